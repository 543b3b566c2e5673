import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { maxReplayBatch } from '../dead-letters.js'
import type { Mailboxes } from '../mailboxes.js'
import { MailboxName, tags } from './schemas.js'

const DeadLetterParams = Type.Object({
  recipient: MailboxName,
  id: Type.String({ minLength: 1, maxLength: 64 }),
})

/** Replaying and deleting dead letters (listing them is with the other mailbox routes). */
export function deadLetterRoutes(mailboxes: Mailboxes): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/mailboxes/:recipient/dead-letters/replay',
      {
        config: { security: { permission: 'mailbox:update' } },
        schema: {
          tags,
          summary: 'Queue the oldest dead letters again, with their attempts from zero',
          description:
            `Replays up to \`max\` dead letters (default and at most ${maxReplayBatch}), oldest sent first: each is ` +
            'visible at once, gets SYMPHAINY_MAILBOX_MAX_ATTEMPTS deliveries again and loses its last error. ' +
            '`remaining` counts the dead letters left; repeat the call while it is above zero.',
          params: Type.Object({ recipient: MailboxName }),
          querystring: Type.Object(
            { max: Type.Optional(Type.Integer({ minimum: 1, maximum: maxReplayBatch })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ replayed: Type.Integer(), remaining: Type.Integer() }),
            400: ErrorResponse,
          },
        },
      },
      async (request) =>
        mailboxes.replayDeadLetters(
          principalOf(request).tenantId,
          request.params.recipient,
          request.query.max ?? maxReplayBatch,
        ),
    )
    app.post(
      '/api/v1/mailboxes/:recipient/dead-letters/:id/replay',
      {
        config: { security: { permission: 'mailbox:update' } },
        schema: {
          tags,
          summary: 'Queue one dead letter again, with its attempts from zero',
          params: DeadLetterParams,
          response: { 204: Type.Null(), 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { recipient, id } = request.params
        await mailboxes.replayDeadLetter(principalOf(request).tenantId, recipient, id)
        return reply.code(204).send(null)
      },
    )
    app.delete(
      '/api/v1/mailboxes/:recipient/dead-letters/:id',
      {
        config: { security: { permission: 'mailbox:delete' } },
        schema: {
          tags,
          summary: 'Delete a dead letter for good',
          params: DeadLetterParams,
          response: { 204: Type.Null(), 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { recipient, id } = request.params
        await mailboxes.deleteDeadLetter(principalOf(request).tenantId, recipient, id)
        return reply.code(204).send(null)
      },
    )
    return Promise.resolve()
  }
}
