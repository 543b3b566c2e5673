import type { FastifyInstance } from 'fastify'
import { rateLimitErrors } from '../smart-city/traffic-cop/rate-limits/errors.js'
import type { RateLimits } from '../smart-city/traffic-cop/rate-limits/rate-limits.js'
import { sendError } from './error-handling.js'

/**
 * Rate limiting after authentication (install it after `installAuthentication`): the principal is known, so
 * per-user, per-API-key and per-tenant limits apply; unauthenticated requests meet only `ip` policies from the
 * configuration. A limited route answers `RateLimit-Limit/Remaining/Reset` on every response, and a refusal is
 * 429 RATE_LIMITED with `Retry-After`.
 */
export function installRateLimiting(app: FastifyInstance, rateLimits: RateLimits): void {
  app.addHook('onRequest', async (request, reply) => {
    const decision = await rateLimits.check({
      method: request.method,
      path: request.url.split('?', 1)[0]!,
      ip: request.ip,
      principal: request.principal,
    })
    if (!decision) return
    void reply.headers({
      'ratelimit-limit': decision.limit,
      'ratelimit-remaining': decision.remaining,
      'ratelimit-reset': decision.resetSeconds,
    })
    if (decision.allowed) return
    void reply.header('retry-after', decision.retryAfterSeconds)
    const { policy, retryAfterSeconds } = decision
    return sendError(reply, rateLimitErrors.RATE_LIMITED({ policy, retryAfterSeconds }))
  })
}
