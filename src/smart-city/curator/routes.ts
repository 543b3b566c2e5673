import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../kernel/http-schemas.js'
import type { Curator } from './curator.js'

const HealthView = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  checkedAt: Type.Integer(),
  latencyMs: Type.Integer(),
})

const ServiceView = Type.Object({
  name: Type.String(),
  realm: Type.String(),
  version: Type.String(),
  capabilities: Type.Array(Type.String()),
  dependsOn: Type.Array(Type.String()),
  instances: Type.Array(Type.Unknown(), { description: 'External instances (load-balanced); none yet.' }),
  health: HealthView,
})

const ServiceList = Type.Object({ items: Type.Array(ServiceView), nextCursor: Type.Null() })

export function curatorRoutes(curator: Curator): FastifyPluginAsyncTypebox {
  const view = async (name: string) => {
    const descriptor = curator.get(name).descriptor
    return {
      name: descriptor.name,
      realm: descriptor.realm,
      version: descriptor.version,
      capabilities: descriptor.capabilities,
      dependsOn: descriptor.dependsOn ?? [],
      instances: [],
      health: await curator.checkHealth(name),
    }
  }

  return (app) => {
    app.get(
      '/api/v1/services',
      {
        config: { security: { permission: 'service:read' } },
        schema: {
          tags: ['curator'],
          summary: 'Registered services with capabilities and current health',
          querystring: Type.Object({ capability: Type.Optional(Type.String({ maxLength: 200 })) }),
          response: { 200: ServiceList },
        },
      },
      async (request) => {
        const { capability } = request.query
        const names = (
          capability ? curator.findByCapability(capability).map((s) => s.descriptor) : curator.list()
        ).map((d) => d.name)
        return { items: await Promise.all(names.map(view)), nextCursor: null }
      },
    )
    app.get(
      '/api/v1/services/:name',
      {
        config: { security: { permission: 'service:read' } },
        schema: {
          tags: ['curator'],
          summary: 'One registered service',
          params: Type.Object({ name: Type.String({ maxLength: 200 }) }),
          response: { 200: ServiceView, 404: ErrorResponse },
        },
      },
      (request) => view(request.params.name),
    )
    return Promise.resolve()
  }
}
