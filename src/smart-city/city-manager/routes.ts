import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { CityManager } from './city-manager.js'

const ServiceStatusView = Type.Object({
  name: Type.String(),
  realm: Type.String(),
  state: Type.String(),
  startedAt: Type.Union([Type.Integer(), Type.Null()]),
  stoppedAt: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
})

/** The City Manager's view of this node: its state and each managed service's lifecycle state, in start order. */
export function cityManagerRoutes(cityManager: CityManager): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/v1/platform/lifecycle',
      {
        config: { security: { permission: 'platform:read' } },
        schema: {
          tags: ['city-manager'],
          summary: 'Node state and each service in start order',
          response: { 200: Type.Object({ state: Type.String(), services: Type.Array(ServiceStatusView) }) },
        },
      },
      () => ({ state: cityManager.state, services: cityManager.status() }),
    )
    return Promise.resolve()
  }
}
