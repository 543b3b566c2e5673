import Fastify, { type FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { routeConfig } from './route-config.js'

/** What the public getter says, for comparison. */
function publicView(request: FastifyRequest) {
  return { url: request.routeOptions.url, security: request.routeOptions.config.security }
}

describe('routeConfig', () => {
  it('agrees with request.routeOptions on matched, parameterised, encapsulated and unmatched routes', async () => {
    const seen: { ours: unknown; theirs: unknown }[] = []
    const app = Fastify()
    app.addHook('onRequest', async (request) => {
      const { url, security } = routeConfig(request)
      seen.push({ ours: { url, security }, theirs: publicView(request) })
    })
    app.get('/plain', { config: { security: { public: true } } }, () => 'ok')
    app.get('/items/:id', { config: { security: { permission: 'items:read' } } }, () => 'ok')
    await app.register(
      async (child) => {
        child.post('/inner', { config: { security: { authenticated: true } } }, () => 'ok')
      },
      { prefix: '/scoped' },
    )
    await app.inject({ method: 'GET', url: '/plain' })
    await app.inject({ method: 'GET', url: '/items/42?x=1' })
    await app.inject({ method: 'POST', url: '/scoped/inner' })
    await app.inject({ method: 'GET', url: '/nowhere' })
    expect(seen.map((s) => s.ours)).toEqual([
      { url: '/plain', security: { public: true } },
      { url: '/items/:id', security: { permission: 'items:read' } },
      { url: '/scoped/inner', security: { authenticated: true } },
      { url: undefined, security: undefined },
    ])
    for (const { ours, theirs } of seen) expect(ours).toEqual(theirs)
    await app.close()
  })
})
