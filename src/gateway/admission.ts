import type { FastifyInstance } from 'fastify'
import type { SecurityGuard } from '../smart-city/security-guard/index.js'
import type { RateLimits } from '../smart-city/traffic-cop/rate-limits/rate-limits.js'
import { authenticate, installAuthentication } from './authentication.js'
import { applyRateLimit } from './rate-limiting.js'

/**
 * Authentication, then rate limiting (which needs the principal), as one onRequest hook: one hook dispatch and one
 * promise chain per request rather than two.
 */
export function installAdmission(app: FastifyInstance, guard: SecurityGuard, rateLimits: RateLimits): void {
  installAuthentication(app, guard)
  app.addHook('onRequest', async (request, reply) => {
    const authenticated = authenticate(request, guard)
    if (authenticated) await authenticated
    return await applyRateLimit(request, reply, rateLimits)
  })
}
