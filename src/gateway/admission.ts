import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Awaitable } from '../kernel/awaitable.js'
import type { SecurityGuard } from '../smart-city/security-guard/index.js'
import type { RateLimits } from '../smart-city/traffic-cop/rate-limits/rate-limits.js'
import { authenticate, installAuthentication } from './authentication.js'
import { applyRateLimit } from './rate-limiting.js'

/**
 * Authentication, then rate limiting (which needs the principal), as one onRequest hook. It is a callback hook and
 * each step may finish at once (a verified token and an in-process store, the embedded profile): then the request
 * goes on without a single promise, as Fastify's own hook dispatch allows.
 */
export function installAdmission(app: FastifyInstance, guard: SecurityGuard, rateLimits: RateLimits): void {
  installAuthentication(app, guard)
  app.addHook('onRequest', (request, reply, done) => {
    // A refused request was answered by applyRateLimit; Fastify then must not be told to go on.
    const next = (answered: FastifyReply | undefined) => {
      if (answered === undefined) done()
    }
    let admitted: Awaitable<FastifyReply | undefined>
    try {
      const authenticated = authenticate(request, guard)
      admitted =
        authenticated === undefined
          ? applyRateLimit(request, reply, rateLimits)
          : authenticated.then(() => applyRateLimit(request, reply, rateLimits))
    } catch (error) {
      done(error as Error)
      return
    }
    if (admitted instanceof Promise) admitted.then(next, done)
    else next(admitted)
  })
}
