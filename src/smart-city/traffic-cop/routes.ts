import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TrafficCop } from './index.js'
import { trafficAnalyticsRoutes } from './analytics/index.js'
import { promotionRoutes } from './promotion/index.js'
import { loadBalancingRoutes } from './load-balancing/routes.js'
import { rateLimitRoutes } from './rate-limits/index.js'
import { sessionRoutes } from './sessions/routes.js'

/** The Traffic Cop's HTTP routes: one plugin per module, registered here. */
export function trafficCopRoutes(trafficCop: TrafficCop): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(trafficAnalyticsRoutes(trafficCop.analytics))
    await app.register(promotionRoutes(trafficCop.promotion))
    await app.register(loadBalancingRoutes(trafficCop.loadBalancing))
    await app.register(rateLimitRoutes(trafficCop.rateLimits))
    await app.register(
      sessionRoutes(trafficCop.sessions, trafficCop.state, () => trafficCop.deps.clock.now()),
    )
  }
}
