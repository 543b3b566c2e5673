import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { rateLimitBounds } from '../../../kernel/rate-limit-policy.js'
import type { RateLimits } from './rate-limits.js'

const tags = ['traffic-cop']
const PolicyName = Type.String({ pattern: rateLimitBounds.namePattern })
const Scope = Type.Union([
  Type.Literal('user'),
  Type.Literal('apiKey'),
  Type.Literal('tenant'),
  Type.Literal('ip'),
])
const Spec = {
  scope: Scope,
  limit: Type.Integer({ minimum: 1, maximum: rateLimitBounds.maxLimit }),
  windowSeconds: Type.Integer({ minimum: 1, maximum: rateLimitBounds.maxWindowSeconds }),
  routes: Type.Array(Type.String({ pattern: rateLimitBounds.routePattern }), {
    minItems: 1,
    maxItems: rateLimitBounds.maxRoutes,
  }),
}
const PolicyView = Type.Object({
  name: Type.String(),
  source: Type.Union([Type.Literal('config'), Type.Literal('tenant')]),
  ...Spec,
  createdAt: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
})
const Params = Type.Object({ policy: PolicyName })

/** Rate-limit policies of the caller's tenant, with the platform-wide ones listed read-only. */
export function rateLimitRoutes(rateLimits: RateLimits): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/v1/rate-limits',
      {
        config: { security: { permission: 'rate-limit:read' } },
        schema: {
          tags,
          summary: "Platform-wide (`source: config`) and the tenant's own rate-limit policies",
          response: { 200: Type.Object({ items: Type.Array(PolicyView), nextCursor: Type.Null() }) },
        },
      },
      async (request) => ({ items: await rateLimits.list(principalOf(request)), nextCursor: null }),
    )
    app.put(
      '/api/v1/rate-limits/:policy',
      {
        config: { security: { permission: 'rate-limit:update' } },
        schema: {
          tags,
          summary: "Create or replace one of the tenant's rate-limit policies; applies on every node at once",
          params: Params,
          body: Type.Object(Spec, { additionalProperties: false }),
          response: { 200: PolicyView, 201: PolicyView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { policy, created } = await rateLimits.put(
          principalOf(request),
          request.params.policy,
          request.body,
        )
        return reply.code(created ? 201 : 200).send(policy)
      },
    )
    app.delete(
      '/api/v1/rate-limits/:policy',
      {
        config: { security: { permission: 'rate-limit:delete' } },
        schema: {
          tags,
          summary: "Delete one of the tenant's rate-limit policies",
          params: Params,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await rateLimits.remove(principalOf(request), request.params.policy)
        return reply.code(204).send(null)
      },
    )
    return Promise.resolve()
  }
}
