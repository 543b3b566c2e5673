import { randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { createTimeOrderedIdGenerator } from '../../kernel/ids.js'
import type { PageRequest } from '../../kernel/pagination.js'
import { pageByCreation } from '../../ports/sql-pagination.js'
import { createDeadLetterActions } from './dead-letters.js'
import { type PostOfficeDeps, maxPayloadBytes } from './deps.js'
import { postOfficeErrors } from './errors.js'
import type { PostOfficeDb, PostOfficeTables } from './tables.js'
import { checkMailboxName } from './topics.js'
import { type MailboxWakeups, createMailboxWakeups } from './wakeups.js'

/**
 * Durable mailboxes over SQL, identical on SQLite and PostgreSQL. A receive leases up to `max` visible messages
 * for a visibility timeout in one statement, `WITH picked AS MATERIALIZED (SELECT … LIMIT n [FOR UPDATE SKIP
 * LOCKED]) UPDATE … WHERE id IN picked RETURNING` (materialized: an IN-subquery with LIMIT may be re-run by the
 * PostgreSQL planner and pick more rows),
 * so several nodes can consume one mailbox without handing a message to two consumers at once. Each lease gets a
 * fresh random receipt; ack and nack must present the current one, so a consumer whose lease ran out (and whose
 * message went to someone else) cannot ack or nack the other consumer's lease. A late ack whose receipt is still
 * current (nobody received the message since) is accepted. A message received `maxAttempts` times without an ack
 * becomes a dead letter when its last lease ends (or at once on a nack).
 */
export interface Envelope {
  id: string
  type: string
  sender: string
  recipient: string
  correlationId: string | null
  payload: unknown
  createdAt: number
  attempts: number
}

export interface LeasedMessage extends Envelope {
  receipt: string
  leaseExpiresAt: number
}

export interface DeadLetter extends Envelope {
  deadAt: number
  lastError: string | null
}

export interface SendInput {
  tenantId: string
  recipient: string
  type: string
  sender: string
  payload: unknown
  correlationId?: string | null | undefined
}

export interface ReceiveOptions {
  max?: number | undefined
  visibilitySeconds?: number | undefined
  waitSeconds?: number | undefined
}

type MessageRow = PostOfficeTables['po_messages']

export function serializePayload(payload: unknown): string {
  const text = JSON.stringify(payload ?? null)
  if (Buffer.byteLength(text) > maxPayloadBytes)
    throw postOfficeErrors.PAYLOAD_TOO_LARGE({ maxBytes: maxPayloadBytes })
  return text
}

function envelopeOf(row: MessageRow): Envelope {
  return {
    id: row.id,
    type: row.type,
    sender: row.sender,
    recipient: row.recipient,
    correlationId: row.correlation_id,
    payload: JSON.parse(row.payload) as unknown,
    createdAt: Number(row.created_at),
    attempts: Number(row.attempts),
  }
}

export function createMailboxes(deps: PostOfficeDeps, wakeups: MailboxWakeups = createMailboxWakeups(deps)) {
  const db = deps.database.db as Kysely<PostOfficeTables>
  const { settings } = deps
  // Time-ordered, so messages sent in the same millisecond are still received in send order (per node).
  const messageIds = createTimeOrderedIdGenerator(() => deps.clock.now())

  /** Dead-letters messages whose last allowed lease has ended. */
  async function buryExhausted(tenantId: string, recipient: string, now: number): Promise<void> {
    await db
      .updateTable('po_messages')
      .set({
        status: 'dead',
        dead_at: now,
        receipt: null,
        last_error: sql`coalesce(last_error, ${`not acked after ${settings.mailboxMaxAttempts} deliveries`})`,
      })
      .where('tenant_id', '=', tenantId)
      .where('recipient', '=', recipient)
      .where('status', '=', 'queued')
      .where('attempts', '>=', settings.mailboxMaxAttempts)
      .where('visible_at', '<=', now)
      .execute()
  }

  async function claim(tenantId: string, recipient: string, max: number, leaseMs: number) {
    const now = deps.clock.now()
    await buryExhausted(tenantId, recipient, now)
    const locking = deps.database.dialect === 'postgres'
    const rows = await db
      .with(
        (cte) => cte('picked').materialized(),
        (q) => {
          const picked = q
            .selectFrom('po_messages')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .where('recipient', '=', recipient)
            .where('status', '=', 'queued')
            .where('visible_at', '<=', now)
            .where('attempts', '<', settings.mailboxMaxAttempts)
            .orderBy('created_at')
            .orderBy('id')
            .limit(max)
          return locking ? picked.forUpdate().skipLocked() : picked
        },
      )
      .updateTable('po_messages')
      .set({
        attempts: sql`attempts + 1`,
        visible_at: now + leaseMs,
        receipt: randomBytes(18).toString('base64url'),
      })
      .where('id', 'in', (eb) => eb.selectFrom('picked').select('picked.id'))
      .where('status', '=', 'queued')
      .where('visible_at', '<=', now)
      .returningAll()
      .execute()
    return rows
      .sort((a, b) => Number(a.created_at) - Number(b.created_at) || a.id.localeCompare(b.id))
      .map((row): LeasedMessage => ({
        ...envelopeOf(row),
        receipt: row.receipt!,
        leaseExpiresAt: Number(row.visible_at),
      }))
  }

  /** Answers MESSAGE_NOT_FOUND or RECEIPT_STALE for an ack/nack that matched no lease. */
  async function refuse(tenantId: string, id: string): Promise<never> {
    const row = await db
      .selectFrom('po_messages')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst()
    throw row ? postOfficeErrors.RECEIPT_STALE({ id }) : postOfficeErrors.MESSAGE_NOT_FOUND({ id })
  }

  return {
    wakeups,
    ...createDeadLetterActions(deps, wakeups, (tenantId, recipient) =>
      buryExhausted(tenantId, recipient, deps.clock.now()),
    ),

    /** Enqueues one message; inside a caller's transaction when `store` is that transaction (then call `hint`). */
    async send(input: SendInput, store: PostOfficeDb = db): Promise<{ id: string }> {
      checkMailboxName(input.recipient)
      const now = deps.clock.now()
      const id = messageIds.next('msg')
      await store
        .insertInto('po_messages')
        .values({
          id,
          tenant_id: input.tenantId,
          recipient: input.recipient,
          type: input.type,
          sender: input.sender,
          correlation_id: input.correlationId ?? null,
          payload: serializePayload(input.payload),
          created_at: now,
          attempts: 0,
          status: 'queued',
          visible_at: now,
          receipt: null,
          dead_at: null,
          last_error: null,
        })
        .execute()
      if (store === db) await wakeups.hint(input.tenantId, input.recipient)
      return { id }
    },

    /**
     * Leases up to `max` messages. With `waitSeconds` > 0 and nothing visible, waits for a wake-up hint (or the
     * periodic re-check) until something arrives or the wait ends; the wait ends early when the server closes.
     */
    async receive(
      tenantId: string,
      recipient: string,
      options: ReceiveOptions = {},
    ): Promise<LeasedMessage[]> {
      checkMailboxName(recipient)
      const max = Math.min(Math.max(options.max ?? 10, 1), 100)
      const leaseMs = (options.visibilitySeconds ?? settings.visibilitySeconds) * 1000
      const waitMs = Math.min(Math.max(options.waitSeconds ?? 0, 0), settings.maxWaitSeconds) * 1000
      const deadline = deps.clock.now() + waitMs
      for (;;) {
        const seen = wakeups.generation(tenantId, recipient)
        const leased = await claim(tenantId, recipient, max, leaseMs)
        const remaining = deadline - deps.clock.now()
        if (leased.length > 0 || remaining <= 0 || wakeups.interrupted) return leased
        await wakeups.wait(tenantId, recipient, seen, Math.min(remaining, settings.pollMs))
      }
    },

    async ack(tenantId: string, id: string, receipt: string): Promise<void> {
      const result = await db
        .deleteFrom('po_messages')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('receipt', '=', receipt)
        .where('status', '=', 'queued')
        .executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) await refuse(tenantId, id)
    },

    /** Gives the lease back: visible again after `delaySeconds`, or a dead letter when its attempts are used up. */
    async nack(
      tenantId: string,
      id: string,
      receipt: string,
      options: { delaySeconds?: number | undefined; error?: string | undefined } = {},
    ): Promise<{ deadLettered: boolean }> {
      const now = deps.clock.now()
      const exhausted = sql<boolean>`attempts >= ${settings.mailboxMaxAttempts}`
      const rows = await db
        .updateTable('po_messages')
        .set({
          receipt: null,
          visible_at: now + (options.delaySeconds ?? 0) * 1000,
          last_error: options.error ?? sql`last_error`,
          status: sql`case when ${exhausted} then 'dead' else 'queued' end`,
          dead_at: sql`case when ${exhausted} then cast(${now} as bigint) else null end`,
        })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('receipt', '=', receipt)
        .where('status', '=', 'queued')
        .returning(['status'])
        .execute()
      if (rows.length === 0) await refuse(tenantId, id)
      const deadLettered = rows[0]?.status === 'dead'
      if (!deadLettered) {
        const row = await db
          .selectFrom('po_messages')
          .select('recipient')
          .where('id', '=', id)
          .executeTakeFirst()
        if (row) await wakeups.hint(tenantId, row.recipient)
      }
      return { deadLettered }
    },

    async deadLetters(tenantId: string, recipient: string, page: PageRequest) {
      checkMailboxName(recipient)
      await buryExhausted(tenantId, recipient, deps.clock.now())
      const query = db
        .selectFrom('po_messages')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('recipient', '=', recipient)
        .where('status', '=', 'dead')
      return pageByCreation(query, page, (row): DeadLetter => ({
        ...envelopeOf(row),
        deadAt: Number(row.dead_at),
        lastError: row.last_error,
      }))
    },
  }
}

export type Mailboxes = ReturnType<typeof createMailboxes>
