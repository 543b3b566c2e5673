import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { DeadLetter, Envelope, LeasedMessage, Mailboxes } from '../mailboxes.js'
import {
  Accepted,
  EnvelopeView,
  IdParams,
  MailboxName,
  PageQuery,
  RecipientParams,
  Timestamp,
  iso,
  pageOf,
  senderOf,
  tags,
} from './schemas.js'

const envelopeView = <M extends Envelope>(m: M) => ({ ...m, createdAt: iso(m.createdAt) })
const LeasedView = Type.Intersect([
  EnvelopeView,
  Type.Object({
    receipt: Type.String({ description: 'Proof of this lease; ack and nack need it.' }),
    leaseExpiresAt: Timestamp,
  }),
])
const DeadLetterView = Type.Intersect([
  EnvelopeView,
  Type.Object({ deadAt: Timestamp, lastError: Type.Union([Type.String(), Type.Null()]) }),
])
const Receipt = Type.String({ minLength: 1, maxLength: 64 })

export function messageRoutes(mailboxes: Mailboxes): FastifyPluginAsyncTypebox {
  return (app) => {
    // Long polls end at once (with what they have) when the server starts closing.
    app.addHook('preClose', (done) => {
      mailboxes.wakeups.interrupt()
      done()
    })
    app.post(
      '/api/v1/messages',
      {
        config: { security: { permission: 'message:create' } },
        schema: {
          tags,
          summary: "Send a message to a mailbox of the caller's tenant; the sender is the caller",
          body: Type.Object(
            {
              type: Type.String({ minLength: 1, maxLength: 128 }),
              recipient: MailboxName,
              payload: Type.Unknown(),
              correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            },
            { additionalProperties: false },
          ),
          response: { 202: Accepted, 400: ErrorResponse, 413: ErrorResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const { type, recipient, payload, correlationId } = request.body
        const sent = await mailboxes.send({
          tenantId: principal.tenantId,
          recipient,
          type,
          sender: senderOf(principal),
          payload,
          correlationId,
        })
        return reply.code(202).send(sent)
      },
    )
    app.get(
      '/api/v1/mailboxes/:recipient/messages',
      {
        config: { security: { permission: 'message:execute' } },
        schema: {
          tags,
          summary: 'Receive (lease) messages; long-polls up to `wait` seconds when the mailbox is empty',
          description:
            'Each message is leased for `visibilitySeconds` (default SYMPHAINY_MAILBOX_VISIBILITY_SECONDS) under a ' +
            'new `receipt`: ack it to remove the message, nack it to give it back; a lease that ends un-acked makes ' +
            'the message visible again with one more attempt, and after SYMPHAINY_MAILBOX_MAX_ATTEMPTS it becomes ' +
            'a dead letter. `wait` is cut to SYMPHAINY_MAILBOX_MAX_WAIT_SECONDS.',
          params: RecipientParams,
          querystring: Type.Object(
            {
              wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 300 })),
              max: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
              visibilitySeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(LeasedView) }), 400: ErrorResponse },
        },
      },
      async (request) => {
        const { wait, max, visibilitySeconds } = request.query
        const leased = await mailboxes.receive(principalOf(request).tenantId, request.params.recipient, {
          waitSeconds: wait,
          max,
          visibilitySeconds,
        })
        return {
          items: leased.map((m: LeasedMessage) => ({
            ...envelopeView(m),
            leaseExpiresAt: iso(m.leaseExpiresAt),
          })),
        }
      },
    )
    app.post(
      '/api/v1/messages/:id/ack',
      {
        config: { security: { permission: 'message:update' } },
        schema: {
          tags,
          summary: 'Acknowledge a leased message: it is removed for good',
          params: IdParams,
          body: Type.Object({ receipt: Receipt }, { additionalProperties: false }),
          response: { 204: Type.Null(), 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        await mailboxes.ack(principalOf(request).tenantId, request.params.id, request.body.receipt)
        return reply.code(204).send(null)
      },
    )
    app.post(
      '/api/v1/messages/:id/nack',
      {
        config: { security: { permission: 'message:update' } },
        schema: {
          tags,
          summary:
            'Give a leased message back, visible again after `delaySeconds` (or a dead letter when spent)',
          params: IdParams,
          body: Type.Object(
            {
              receipt: Receipt,
              delaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 43_200 })),
              error: Type.Optional(Type.String({ maxLength: 1000 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ deadLettered: Type.Boolean() }),
            404: ErrorResponse,
            409: ErrorResponse,
          },
        },
      },
      async (request) => {
        const { receipt, delaySeconds, error } = request.body
        return mailboxes.nack(principalOf(request).tenantId, request.params.id, receipt, {
          delaySeconds,
          error,
        })
      },
    )
    app.get(
      '/api/v1/mailboxes/:recipient/dead-letters',
      {
        config: { security: { permission: 'mailbox:read' } },
        schema: {
          tags,
          summary: 'Messages that were delivered the maximum number of times without an ack',
          params: RecipientParams,
          querystring: PageQuery,
          response: { 200: pageOf(DeadLetterView), 400: ErrorResponse },
        },
      },
      async (request) => {
        const page = await mailboxes.deadLetters(
          principalOf(request).tenantId,
          request.params.recipient,
          request.query,
        )
        return {
          items: page.items.map((m: DeadLetter) => ({ ...envelopeView(m), deadAt: iso(m.deadAt) })),
          nextCursor: page.nextCursor,
        }
      },
    )
    return Promise.resolve()
  }
}
