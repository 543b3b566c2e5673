import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { SecurityGuard } from '../security-guard.js'
import { iso } from '../views.js'
import { metaOf } from './request-meta.js'
import {
  ApiKeyView,
  AuditEventView,
  Decision,
  Id,
  IdParams,
  PageQuery,
  Permission,
  RoleName,
  RoleView,
  pageOf,
} from './schemas.js'

const tags = ['security-guard']
const strict = { additionalProperties: false }
const Word = Type.String({ pattern: '^(\\*|[a-z][a-z0-9-]{0,39})$' })

/** Roles, permission checks, API keys and the audit log. */
export function accessRoutes(guard: SecurityGuard): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/v1/roles',
      {
        config: { security: { permission: 'role:read' } },
        schema: {
          tags,
          summary: 'Built-in and custom roles with their permissions',
          response: { 200: Type.Object({ items: Type.Array(RoleView), nextCursor: Type.Null() }) },
        },
      },
      async (request) => ({ items: await guard.roles.list(principalOf(request)), nextCursor: null }),
    )
    app.put(
      '/api/v1/roles/:name',
      {
        config: { security: { permission: 'role:update' } },
        schema: {
          tags,
          summary: 'Create or replace a custom role',
          params: Type.Object({ name: RoleName }),
          body: Type.Object(
            {
              permissions: Type.Array(Permission, { maxItems: 200 }),
              description: Type.Optional(Type.String({ maxLength: 500 })),
            },
            strict,
          ),
          response: { 200: RoleView, 201: RoleView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { role, created } = await guard.roles.put(
          principalOf(request),
          request.params.name,
          request.body,
          metaOf(request),
        )
        return reply.code(created ? 201 : 200).send(role)
      },
    )
    app.delete(
      '/api/v1/roles/:name',
      {
        config: { security: { permission: 'role:delete' } },
        schema: {
          tags,
          summary: 'Delete an unused custom role',
          params: Type.Object({ name: RoleName }),
          response: { 204: Type.Null(), 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        await guard.roles.remove(principalOf(request), request.params.name, metaOf(request))
        return reply.code(204).send(null)
      },
    )
    app.post(
      '/api/v1/permissions/check',
      {
        config: { security: { authenticated: true } },
        schema: {
          tags,
          summary: 'Whether the caller (or another user of the tenant) may do resource:action',
          body: Type.Object({ resource: Word, action: Word, userId: Type.Optional(Id) }, strict),
          response: { 200: Decision, 404: ErrorResponse },
        },
      },
      (request) => guard.checkPermissionFor(principalOf(request), request.body),
    )
    app.post(
      '/api/v1/api-keys',
      {
        config: { security: { permission: 'api-key:create' } },
        schema: {
          tags,
          summary: 'Create an API key; the key is shown only in this response',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              roles: Type.Optional(Type.Array(RoleName, { maxItems: 20 })),
              expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
            },
            strict,
          ),
          response: {
            201: Type.Intersect([ApiKeyView, Type.Object({ key: Type.String() })]),
            400: ErrorResponse,
            403: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const { expiresAt, ...rest } = request.body
        const created = await guard.apiKeys.create(
          principalOf(request),
          { ...rest, expiresAt: expiresAt === undefined ? undefined : Date.parse(expiresAt) },
          metaOf(request),
        )
        return reply.code(201).send(created)
      },
    )
    app.get(
      '/api/v1/api-keys',
      {
        config: { security: { permission: 'api-key:read' } },
        schema: {
          tags,
          summary: "The caller's keys (all of the tenant's for admins)",
          querystring: PageQuery,
          response: { 200: pageOf(ApiKeyView) },
        },
      },
      (request) => guard.apiKeys.list(principalOf(request), request.query),
    )
    app.delete(
      '/api/v1/api-keys/:id',
      {
        config: { security: { permission: 'api-key:delete' } },
        schema: {
          tags,
          summary: 'Revoke an API key at once',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await guard.apiKeys.revoke(principalOf(request), request.params.id, metaOf(request))
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/v1/audit',
      {
        config: { security: { permission: 'audit:read' } },
        schema: {
          tags,
          summary: "The tenant's audit events, newest first",
          // One object, not an intersection: PageQuery forbids additional properties, so allOf would refuse `action`.
          querystring: Type.Object(
            { ...PageQuery.properties, action: Type.Optional(Type.String({ maxLength: 100 })) },
            strict,
          ),
          response: { 200: pageOf(AuditEventView) },
        },
      },
      async (request) => {
        const { action, ...page } = request.query
        const result = await guard.audit(principalOf(request), { action }, page)
        return { items: result.items.map((e) => ({ ...e, at: iso(e.at) })), nextCursor: result.nextCursor }
      },
    )
    return Promise.resolve()
  }
}
