import type { FastifyInstance } from 'fastify'
import type { TrafficAnalytics } from './traffic-analytics.js'

/** Counts every answered request; the route label is the template, so cardinality stays bounded. */
export function installTrafficAnalytics(app: FastifyInstance, analytics: TrafficAnalytics): void {
  app.addHook('onResponse', (request, reply, done) => {
    analytics.record({
      tenantId: request.principal?.tenantId ?? null,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      latencyMs: reply.elapsedTime,
    })
    done()
  })
}
