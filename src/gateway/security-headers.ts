import type { FastifyInstance } from 'fastify'

/**
 * Headers on every response. API responses get a CSP that allows nothing (they are JSON, never rendered) and are
 * not cached; the `/docs` pages bring their own CSP from swagger-ui.
 */
const always: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
}

export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(always)
    if (!request.url.startsWith('/docs')) {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
      reply.header('cache-control', 'no-store')
    }
    done()
  })
}
