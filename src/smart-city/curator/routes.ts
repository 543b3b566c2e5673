import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../kernel/http-schemas.js'
import type { Curator } from './curator.js'
import { principalOf } from '../../kernel/principal.js'
import { curatorErrors } from './errors.js'
import { InstanceView, Strategy } from './instances/schemas.js'
import { externalServiceView } from './instances/service-view.js'

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
  strategy: Type.Optional(Strategy),
  instances: Type.Array(InstanceView, { description: "External instances (the tenant's own services)." }),
  health: HealthView,
})

const AgentView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  capabilities: Type.Array(Type.String()),
  mailbox: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
})

const ServiceList = Type.Object({
  items: Type.Array(ServiceView),
  nextCursor: Type.Null(),
  agents: Type.Array(AgentView, {
    description: "The tenant's agents registered with the Post Office (filtered by `capability` too).",
  }),
})

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
        const external = (await curator.external()?.list(principalOf(request).tenantId)) ?? []
        const externalViews = external
          .map((s) => externalServiceView(s, Date.now()))
          .filter((s) => !capability || s.capabilities.includes(capability))
        const agents = (await curator.agents()?.list(principalOf(request).tenantId, capability)) ?? []
        return {
          items: [...(await Promise.all(names.map(view))), ...externalViews],
          nextCursor: null,
          agents: agents.map((a) => ({ ...a, createdAt: new Date(a.createdAt).toISOString() })),
        }
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
      async (request) => {
        const { name } = request.params
        if (curator.find(name)) return view(name)
        const external = await curator.external()?.describe(principalOf(request).tenantId, name)
        if (!external) throw curatorErrors.SERVICE_NOT_FOUND({ name })
        return externalServiceView(external, Date.now())
      },
    )
    return Promise.resolve()
  }
}
