import { Type } from 'typebox'
import type { Principal } from '../../../kernel/principal.js'

export const tags = ['post-office']
export const iso = (ms: number) => new Date(ms).toISOString()
export const Timestamp = Type.String({ format: 'date-time' })
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export const MailboxName = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Letters, digits and . _ : - (starting with a letter or digit); a per-tenant namespace.',
})
export const RecipientParams = Type.Object({ recipient: MailboxName })
export const EventType = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Dot-separated segments of letters, digits, _ and -, e.g. `journey.completed`.',
})
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)
export const Accepted = Type.Object({ id: Type.String() })

export const EnvelopeView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  sender: Type.String(),
  recipient: Type.String(),
  correlationId: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Unknown(),
  createdAt: Timestamp,
  attempts: Type.Integer({ description: 'Deliveries so far, this one included.' }),
})

export function pageOf<T extends object>(itemSchema: T) {
  return Type.Object({ items: Type.Array(itemSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}

/** Who sent a message or published an event: the authenticated principal. */
export function senderOf(principal: Principal): string {
  return principal.kind === 'api_key' && principal.apiKeyId
    ? `api-key:${principal.apiKeyId}`
    : `user:${principal.userId}`
}
