import type { FastifyReply, FastifyRequest } from 'fastify'
import type { TrafficAnalytics } from './traffic-analytics.js'

/**
 * Counts one answered request (the gateway calls this once per response). `route` is the template, never the raw
 * URL, so cardinality stays bounded.
 */
export function recordResponse(
  analytics: TrafficAnalytics,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
): void {
  analytics.record({
    tenantId: request.principal?.tenantId ?? null,
    method: request.method,
    route,
    status: reply.statusCode,
    latencyMs: reply.elapsedTime,
  })
}
