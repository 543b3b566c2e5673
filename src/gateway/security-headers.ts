import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Headers on every response. API responses get a CSP that allows nothing (they are JSON, never rendered) and are
 * not cached; the `/docs` pages bring their own CSP from swagger-ui. HSTS only over HTTPS, as RFC 6797 §7.2
 * requires: the request came over TLS, or a trusted proxy (SYMPHAINY_TRUST_PROXY) says so in X-Forwarded-Proto.
 */
export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
  if (request.protocol === 'https') {
    void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains')
  }
  if (!request.url.startsWith('/docs')) {
    void reply
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'")
      .header('cache-control', 'no-store')
  }
}
