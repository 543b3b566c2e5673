import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { SecurityGuard } from '../security-guard.js'
import { metaOf } from './request-meta.js'
import { Email, IdParams, PageQuery, Password, PersonName, RoleName, UserView, pageOf } from './schemas.js'

const tags = ['security-guard']
const strict = { additionalProperties: false }

export function userRoutes(guard: SecurityGuard): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/users',
      {
        config: { security: { permission: 'user:create' } },
        schema: {
          tags,
          summary: 'Create a user in the caller tenant',
          body: Type.Object(
            {
              email: Email,
              password: Password,
              name: PersonName,
              roles: Type.Optional(Type.Array(RoleName, { maxItems: 20 })),
            },
            strict,
          ),
          response: { 201: UserView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await guard.users.create(principalOf(request), request.body, metaOf(request))),
    )
    app.get(
      '/api/v1/users',
      {
        config: { security: { permission: 'user:read' } },
        schema: {
          tags,
          summary: 'Users of the caller tenant',
          querystring: PageQuery,
          response: { 200: pageOf(UserView) },
        },
      },
      (request) => guard.users.list(principalOf(request), request.query),
    )
    app.get(
      '/api/v1/users/:id',
      {
        config: { security: { permission: 'user:read' } },
        schema: {
          tags,
          summary: 'One user of the caller tenant',
          params: IdParams,
          response: { 200: UserView, 404: ErrorResponse },
        },
      },
      (request) => guard.users.get(principalOf(request), request.params.id),
    )
    app.patch(
      '/api/v1/users/:id',
      {
        config: { security: { permission: 'user:update' } },
        schema: {
          tags,
          summary: 'Rename, change roles, disable/enable or set a new password',
          params: IdParams,
          body: Type.Object(
            {
              name: Type.Optional(PersonName),
              roles: Type.Optional(Type.Array(RoleName, { maxItems: 20 })),
              status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
              password: Type.Optional(Password),
            },
            strict,
          ),
          response: { 200: UserView, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      (request) => guard.users.update(principalOf(request), request.params.id, request.body, metaOf(request)),
    )
    app.delete(
      '/api/v1/users/:id',
      {
        config: { security: { permission: 'user:delete' } },
        schema: {
          tags,
          summary: 'Delete a user; their sessions and API keys stop working at once',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        await guard.users.remove(principalOf(request), request.params.id, metaOf(request))
        return reply.code(204).send(null)
      },
    )
    return Promise.resolve()
  }
}
