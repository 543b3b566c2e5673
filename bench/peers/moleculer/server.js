// moleculer 0.14 + moleculer-web 0.10 doing what bench/gateway.js asks of Symphainy: verify the same EdDSA access
// token against the same JWKS (env JWKS), limit per credential (moleculer-web's built-in rate limiter, memory
// store; it runs before authentication, so it keys on the Authorization header), and answer the principal.
import { createRequire } from 'node:module'
import { createLocalJWKSet, jwtVerify } from 'jose'

const require = createRequire(import.meta.url)
const { ServiceBroker, Errors } = require('moleculer')
const ApiGateway = require('moleculer-web')

const jwks = createLocalJWKSet(JSON.parse(process.env.JWKS))
const broker = new ServiceBroker({ logger: false, metrics: false, tracing: false })

broker.createService({
  name: 'who',
  actions: {
    principal(ctx) {
      const user = ctx.meta.user
      return { tenantId: user.tid, userId: user.sub, via: 'user', roles: user.roles }
    },
  },
})

broker.createService({
  name: 'api',
  mixins: [ApiGateway],
  settings: {
    port: 0,
    ip: '127.0.0.1',
    routes: [
      {
        path: '/api/v1/auth',
        authentication: true,
        rateLimit: {
          window: 60_000,
          limit: 1_000_000,
          headers: true,
          key: (req) => req.headers.authorization,
        },
        aliases: { 'GET principal': 'who.principal' },
      },
    ],
  },
  methods: {
    async authenticate(ctx, route, req) {
      const header = req.headers.authorization ?? ''
      if (!header.startsWith('Bearer ')) throw new Errors.MoleculerError('Unauthorized', 401)
      try {
        const { payload } = await jwtVerify(header.slice(7), jwks, {
          issuer: process.env.ISSUER,
          audience: process.env.AUDIENCE,
          typ: 'at+jwt',
        })
        return payload
      } catch {
        throw new Errors.MoleculerError('Unauthorized', 401)
      }
    },
  },
  started() {
    const { port } = this.server.address()
    process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${port}` })}\n`)
  },
})

await broker.start()
process.on('SIGTERM', () => void broker.stop().then(() => process.exit(0)))
