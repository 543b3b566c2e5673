import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { sessionErrors } from './errors.js'
import type { Sessions } from './sessions.js'
import type { SessionState } from './state.js'
import type { SessionRecord } from './tables.js'

const tags = ['traffic-cop']
const iso = (ms: number) => new Date(ms).toISOString()
const Name = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' })
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
const Timestamp = Type.String({ format: 'date-time' })

const SessionView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  sessionType: Type.String(),
  context: Type.Record(Type.String(), Type.Unknown()),
  routeTo: Type.Array(Type.String()),
  status: Type.String(),
  createdAt: Timestamp,
  lastActiveAt: Timestamp,
  idleExpiresAt: Timestamp,
  expiresAt: Timestamp,
})

const StateView = Type.Object({ version: Type.Integer(), data: Type.Record(Type.String(), Type.Unknown()) })

function sessionView(s: SessionRecord) {
  return {
    id: s.id,
    userId: s.userId,
    sessionType: s.sessionType,
    context: s.context,
    routeTo: s.routeTo,
    status: s.status,
    createdAt: iso(s.createdAt),
    lastActiveAt: iso(s.lastActiveAt),
    idleExpiresAt: iso(s.idleExpiresAt),
    expiresAt: iso(s.expiresAt),
  }
}

/** `If-Match: 3`, `"3"` or `W/"3"`; absent means "whatever is current". */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header)
  if (!match) throw sessionErrors.INVALID_IF_MATCH()
  return Number(match[1])
}

const ranges = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const

export function sessionRoutes(
  sessions: Sessions,
  state: SessionState,
  now: () => number,
): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/sessions',
      {
        config: { security: { permission: 'session:create' } },
        schema: {
          tags,
          summary: 'Open a session routed to services or pillars; its token is shown only here',
          body: Type.Object(
            {
              sessionType: Name,
              context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
              routeTo: Type.Optional(Type.Array(Name, { maxItems: 20 })),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Intersect([SessionView, Type.Object({ token: Type.String() })]),
            400: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const { session, token } = await sessions.create(principalOf(request), request.body)
        return reply.code(201).send({ ...sessionView(session), token })
      },
    )
    app.get(
      '/api/v1/sessions',
      {
        config: { security: { permission: 'session:read' } },
        schema: {
          tags,
          summary: "The caller's sessions",
          querystring: Type.Object(
            {
              status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('all')])),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
              cursor: Type.Optional(Type.String({ maxLength: 256 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(SessionView),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => {
        const { status, ...page } = request.query
        const result = await sessions.list(principalOf(request), page, status ?? 'active')
        return { items: result.items.map(sessionView), nextCursor: result.nextCursor }
      },
    )
    app.get(
      '/api/v1/sessions/analytics',
      {
        config: { security: { permission: 'traffic:read' } },
        schema: {
          tags,
          summary: "The tenant's sessions: active now; created, ended and expired in the range; by type",
          querystring: Type.Object(
            { range: Type.Optional(Type.Union(Object.keys(ranges).map((r) => Type.Literal(r)))) },
            { additionalProperties: false },
          ),
        },
      },
      (request) => {
        const range = (request.query.range ?? '24h') as keyof typeof ranges
        return sessions.analytics(principalOf(request), now() - ranges[range])
      },
    )
    app.get(
      '/api/v1/sessions/:id',
      {
        config: { security: { permission: 'session:read' } },
        schema: {
          tags,
          summary: 'One of the caller’s live sessions',
          params: IdParams,
          response: { 200: SessionView, 404: ErrorResponse },
        },
      },
      async (request) => sessionView(await sessions.requireOwn(principalOf(request), request.params.id)),
    )
    app.delete(
      '/api/v1/sessions/:id',
      {
        config: { security: { permission: 'session:delete' } },
        schema: {
          tags,
          summary: 'End a session; its WebSocket subscriptions close on every node',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await sessions.end(principalOf(request), request.params.id)
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/v1/sessions/:id/state',
      {
        config: { security: { permission: 'session:read' } },
        schema: {
          tags,
          summary: 'Current state and its version (also the ETag)',
          params: IdParams,
          response: { 200: StateView, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const view = await state.get(principalOf(request), request.params.id)
        return reply.header('etag', `"${view.version}"`).send(view)
      },
    )
    app.put(
      '/api/v1/sessions/:id/state',
      {
        config: { security: { permission: 'session:update' } },
        schema: {
          tags,
          summary: 'Replace the state; If-Match makes it conditional (stale → 409)',
          params: IdParams,
          body: Type.Object(
            { data: Type.Record(Type.String(), Type.Unknown()) },
            { additionalProperties: false },
          ),
          response: { 200: StateView, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse },
        },
      },
      async (request, reply) => {
        const view = await state.put(
          principalOf(request),
          request.params.id,
          request.body.data,
          parseIfMatch(request.headers['if-match']),
        )
        return reply.header('etag', `"${view.version}"`).send(view)
      },
    )
    app.patch(
      '/api/v1/sessions/:id/state',
      {
        config: { security: { permission: 'session:update' } },
        schema: {
          tags,
          summary: 'Apply a JSON merge patch (application/merge-patch+json); If-Match makes it conditional',
          params: IdParams,
          body: Type.Record(Type.String(), Type.Unknown()),
          response: { 200: StateView, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse },
        },
      },
      async (request, reply) => {
        const view = await state.patch(
          principalOf(request),
          request.params.id,
          request.body,
          parseIfMatch(request.headers['if-match']),
        )
        return reply.header('etag', `"${view.version}"`).send(view)
      },
    )
    return Promise.resolve()
  }
}
