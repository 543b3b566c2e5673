import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Awaitable } from '../kernel/awaitable.js'
import type { RateLimitDecision } from '../smart-city/traffic-cop/rate-limits/limiter.js'
import { rateLimitErrors } from '../smart-city/traffic-cop/rate-limits/errors.js'
import type { RateLimits } from '../smart-city/traffic-cop/rate-limits/rate-limits.js'
import { sendError } from './error-handling.js'

/**
 * Rate limiting after authentication: the principal is known, so per-user, per-API-key and per-tenant limits
 * apply; unauthenticated requests meet only `ip` policies from the configuration. A limited route answers
 * `RateLimit-Limit/Remaining/Reset` on every response, and a refusal is 429 RATE_LIMITED with `Retry-After`.
 * At once when the limiter decides at once; the reply when it answered the request (refused), else undefined.
 */
export function applyRateLimit(
  request: FastifyRequest,
  reply: FastifyReply,
  rateLimits: RateLimits,
): Awaitable<FastifyReply | undefined> {
  const { url } = request
  const query = url.indexOf('?')
  const decision = rateLimits.check({
    method: request.method,
    path: query === -1 ? url : url.slice(0, query),
    ip: request.ip,
    principal: request.principal,
  })
  if (decision instanceof Promise) return decision.then((known) => answer(reply, known))
  return answer(reply, decision)
}

/** Sets the RateLimit headers; a refusal is answered here (429), and then the reply is returned. */
function answer(reply: FastifyReply, decision: RateLimitDecision | null): FastifyReply | undefined {
  if (!decision) return undefined
  void reply
    .header('ratelimit-limit', decision.limit)
    .header('ratelimit-remaining', decision.remaining)
    .header('ratelimit-reset', decision.resetSeconds)
  if (decision.allowed) return undefined
  void reply.header('retry-after', decision.retryAfterSeconds)
  const { policy, retryAfterSeconds } = decision
  return sendError(reply, rateLimitErrors.RATE_LIMITED({ policy, retryAfterSeconds }))
}
