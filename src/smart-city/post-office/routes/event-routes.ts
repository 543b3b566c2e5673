import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { EventPublisher } from '../events.js'
import type { DeliveryRecord, SubscriptionRecord, Subscriptions, Target } from '../subscriptions.js'
import { signatureHeader, timestampHeader } from '../webhook.js'
import {
  Accepted,
  EventType,
  IdParams,
  MailboxName,
  PageQuery,
  Timestamp,
  iso,
  pageOf,
  senderOf,
  tags,
} from './schemas.js'

const closed = { additionalProperties: false }
const TargetInput = Type.Union([
  Type.Object({ kind: Type.Literal('mailbox'), mailbox: MailboxName }, closed),
  Type.Object({ kind: Type.Literal('websocket') }, closed),
  Type.Object(
    {
      kind: Type.Literal('webhook'),
      url: Type.String({ minLength: 1, maxLength: 2048 }),
      secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
    },
    closed,
  ),
  Type.Object(
    {
      kind: Type.Literal('workflow'),
      workflow: Type.String({ minLength: 1, maxLength: 128 }),
      version: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    },
    closed,
  ),
])
const TargetView = Type.Object({
  kind: Type.String(),
  mailbox: Type.Optional(Type.String()),
  url: Type.Optional(Type.String()),
  workflow: Type.Optional(Type.String()),
  version: Type.Optional(Type.Integer()),
})
const SubscriptionView = Type.Object({
  id: Type.String(),
  pattern: Type.String(),
  target: TargetView,
  createdBy: Type.String(),
  createdAt: Timestamp,
})
const DeliveryView = Type.Object({
  id: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  deliveredAt: Type.Union([Timestamp, Type.Null()]),
})

function targetView(target: Target) {
  if (target.kind === 'webhook') return { kind: target.kind, url: target.url }
  return target
}

function subscriptionView(s: SubscriptionRecord) {
  return {
    id: s.id,
    pattern: s.pattern,
    target: targetView(s.target),
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
  }
}

function deliveryView(d: DeliveryRecord) {
  return {
    ...d,
    status: d.status as 'pending' | 'delivered' | 'dead',
    nextAttemptAt: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
    createdAt: iso(d.createdAt),
    deliveredAt: d.deliveredAt === null ? null : iso(d.deliveredAt),
  }
}

export function eventRoutes(
  events: Pick<EventPublisher, 'publish'>,
  subscriptions: Subscriptions,
): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/events',
      {
        config: { security: { permission: 'event:create' } },
        schema: {
          tags,
          summary: "Publish an event to the caller's tenant; subscriptions whose pattern matches receive it",
          body: Type.Object({ type: EventType, payload: Type.Unknown() }, closed),
          response: { 202: Accepted, 400: ErrorResponse, 413: ErrorResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const published = await events.publish({
          tenantId: principal.tenantId,
          type: request.body.type,
          payload: request.body.payload,
          source: senderOf(principal),
        })
        return reply.code(202).send(published)
      },
    )
    app.post(
      '/api/v1/subscriptions',
      {
        config: { security: { permission: 'subscription:create' } },
        schema: {
          tags,
          summary: 'Route events matching a pattern to a mailbox, WebSocket channel, webhook or workflow',
          description:
            'Patterns are dot-separated; `*` matches one segment, a final `#` any number (none included). ' +
            `Webhooks receive a JSON POST with \`${timestampHeader}: <epoch seconds>\` and ` +
            `\`${signatureHeader}: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>\`; 2xx is delivered, ` +
            'anything else (redirects included: they are not followed) is retried with exponential backoff. ' +
            'Webhook hosts resolving to loopback, private, link-local or other non-public addresses are refused. ' +
            'When no secret is given one is generated and returned here, once.',
          body: Type.Object(
            { pattern: Type.String({ minLength: 1, maxLength: 128 }), target: TargetInput },
            closed,
          ),
          response: {
            201: Type.Intersect([SubscriptionView, Type.Object({ secret: Type.Optional(Type.String()) })]),
            400: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const { subscription, generatedSecret } = await subscriptions.create(
          principal.tenantId,
          senderOf(principal),
          request.body,
        )
        return reply
          .code(201)
          .send({ ...subscriptionView(subscription), ...(generatedSecret && { secret: generatedSecret }) })
      },
    )
    app.get(
      '/api/v1/subscriptions',
      {
        config: { security: { permission: 'subscription:read' } },
        schema: {
          tags,
          summary: "The tenant's event subscriptions",
          querystring: PageQuery,
          response: { 200: pageOf(SubscriptionView) },
        },
      },
      async (request) => {
        const page = await subscriptions.list(principalOf(request).tenantId, request.query)
        return { items: page.items.map(subscriptionView), nextCursor: page.nextCursor }
      },
    )
    app.get(
      '/api/v1/subscriptions/:id',
      {
        config: { security: { permission: 'subscription:read' } },
        schema: {
          tags,
          summary: 'One subscription',
          params: IdParams,
          response: { 200: SubscriptionView, 404: ErrorResponse },
        },
      },
      async (request) =>
        subscriptionView(await subscriptions.get(principalOf(request).tenantId, request.params.id)),
    )
    app.delete(
      '/api/v1/subscriptions/:id',
      {
        config: { security: { permission: 'subscription:delete' } },
        schema: {
          tags,
          summary: 'Delete a subscription and its delivery records',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await subscriptions.delete(principalOf(request).tenantId, request.params.id)
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/v1/subscriptions/:id/deliveries',
      {
        config: { security: { permission: 'subscription:read' } },
        schema: {
          tags,
          summary: "The subscription's deliveries: pending (with the next attempt), delivered, or dead",
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageOf(DeliveryView), 404: ErrorResponse },
        },
      },
      async (request) => {
        const page = await subscriptions.deliveries(
          principalOf(request).tenantId,
          request.params.id,
          request.query,
        )
        return { items: page.items.map(deliveryView), nextCursor: page.nextCursor }
      },
    )
    return Promise.resolve()
  }
}
