import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { InstanceView, Strategy } from '../../curator/instances/schemas.js'
import type { LoadBalancing } from './load-balancing.js'

const tags = ['load-balancing']
const strict = { additionalProperties: false }
const ServiceName = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$' })
const InstanceId = Type.String({ minLength: 1, maxLength: 64 })
const HttpUrl = Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' })
const NameParams = Type.Object({ name: ServiceName })
const InstanceParams = Type.Object({ name: ServiceName, id: InstanceId })
const ServiceConfigView = Type.Object({
  name: Type.String(),
  strategy: Strategy,
  instances: Type.Array(InstanceView),
})
const proxiedMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/** Instance administration (tenant admins) and the streaming proxy `ANY /api/v1/services/:name/proxy/*`. */
export function loadBalancingRoutes(loadBalancing: LoadBalancing): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/v1/services/:name/instances',
      {
        config: { security: { permission: 'service:admin' } },
        schema: {
          tags,
          summary: "Register an external instance of one of the tenant's services",
          params: NameParams,
          body: Type.Object(
            {
              url: HttpUrl,
              weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
              healthUrl: Type.Optional(HttpUrl),
              capabilities: Type.Optional(
                Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 }),
              ),
            },
            strict,
          ),
          response: { 201: InstanceView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const view = await loadBalancing.register(principalOf(request), request.params.name, request.body)
        return reply.code(201).send(view)
      },
    )
    app.delete(
      '/api/v1/services/:name/instances/:id',
      {
        config: { security: { permission: 'service:admin' } },
        schema: {
          tags,
          summary: 'Deregister an external instance',
          params: InstanceParams,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await loadBalancing.deregister(principalOf(request), request.params.name, request.params.id)
        return reply.code(204).send(null)
      },
    )
    app.post(
      '/api/v1/services/:name/instances/:id/heartbeat',
      {
        config: { security: { permission: 'service:admin' } },
        schema: {
          tags,
          summary: 'Renew an instance for another SYMPHAINY_INSTANCE_TTL_SECONDS',
          params: InstanceParams,
          response: { 200: InstanceView, 404: ErrorResponse },
        },
      },
      (request) => loadBalancing.heartbeat(principalOf(request), request.params.name, request.params.id),
    )
    app.put(
      '/api/v1/services/:name/load-balancing',
      {
        config: { security: { permission: 'service:admin' } },
        schema: {
          tags,
          summary: "Set an external service's load-balancing strategy",
          params: NameParams,
          body: Type.Object({ strategy: Strategy }, strict),
          response: { 200: ServiceConfigView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      (request) =>
        loadBalancing.setStrategy(principalOf(request), request.params.name, request.body.strategy),
    )

    await app.register((proxyScope) => {
      // Bodies stay unread streams here, so they are piped to the upstream instead of parsed or buffered.
      proxyScope.removeAllContentTypeParsers()
      proxyScope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined))
      proxyScope.route({
        method: proxiedMethods,
        url: '/api/v1/services/:name/proxy/*',
        config: { security: { permission: 'service:proxy' } },
        schema: {
          tags,
          summary: 'Proxy to a healthy instance chosen by the service strategy (bodies streamed both ways)',
          params: Type.Object({ name: ServiceName, '*': Type.String() }),
          response: { 404: ErrorResponse, 503: ErrorResponse },
        },
        handler: async (request, reply) => {
          const { name, '*': path } = request.params as { name: string; '*': string }
          await loadBalancing.proxy(request, reply, name, path)
          return reply
        },
      })
      return Promise.resolve()
    })
  }
}
