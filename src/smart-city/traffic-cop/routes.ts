import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TrafficCop } from './index.js'

/** The Traffic Cop's HTTP routes: one plugin per module, registered here. */
export function trafficCopRoutes(_trafficCop: TrafficCop): FastifyPluginAsyncTypebox {
  return async (_app) => {}
}
