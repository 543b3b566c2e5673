import type { ExpressionBuilder, Kysely } from 'kysely'
import type { PostOfficeDeps } from './deps.js'
import { postOfficeErrors } from './errors.js'
import type { PostOfficeTables } from './tables.js'
import { checkMailboxName } from './topics.js'
import type { MailboxWakeups } from './wakeups.js'

/** At most this many dead letters are replayed by one call; the caller repeats while `remaining` > 0. */
export const maxReplayBatch = 1000

/**
 * What an operator does with dead letters once the cause is fixed: replay them (queued again at the back of the
 * mailbox's order by creation, visible at once, attempts from zero, the last error cleared, so they get the full
 * number of deliveries again) or delete them. Dead letters are looked up within the tenant and the mailbox named
 * in the route, so another tenant's or mailbox's message is DEAD_LETTER_NOT_FOUND.
 */
export function createDeadLetterActions(
  deps: PostOfficeDeps,
  wakeups: MailboxWakeups,
  /** Dead-letters the mailbox's messages whose last allowed lease has ended, so they count as dead here too. */
  buryExhausted: (tenantId: string, recipient: string) => Promise<void>,
) {
  const db = deps.database.db as Kysely<PostOfficeTables>

  /** The filter every query here starts from: the dead letters of one mailbox of one tenant. */
  const deadLettersOf =
    (tenantId: string, recipient: string) => (eb: ExpressionBuilder<PostOfficeTables, 'po_messages'>) =>
      eb.and([eb('tenant_id', '=', tenantId), eb('recipient', '=', recipient), eb('status', '=', 'dead')])

  const requeue = (tenantId: string, recipient: string) =>
    db
      .updateTable('po_messages')
      .set({
        status: 'queued',
        attempts: 0,
        visible_at: deps.clock.now(),
        receipt: null,
        dead_at: null,
        last_error: null,
      })
      .where(deadLettersOf(tenantId, recipient))

  return {
    async replayDeadLetter(tenantId: string, recipient: string, id: string): Promise<void> {
      checkMailboxName(recipient)
      await buryExhausted(tenantId, recipient)
      const result = await requeue(tenantId, recipient).where('id', '=', id).executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) throw postOfficeErrors.DEAD_LETTER_NOT_FOUND({ id, recipient })
      await wakeups.hint(tenantId, recipient)
    },

    /** Replays the oldest `max` dead letters (by when they were sent); says how many it replayed and how many are left. */
    async replayDeadLetters(
      tenantId: string,
      recipient: string,
      max: number,
    ): Promise<{ replayed: number; remaining: number }> {
      checkMailboxName(recipient)
      await buryExhausted(tenantId, recipient)
      const oldest = db
        .selectFrom('po_messages')
        .select('id')
        .where(deadLettersOf(tenantId, recipient))
        .orderBy('created_at')
        .orderBy('id')
        .limit(Math.min(Math.max(max, 1), maxReplayBatch))
      const ids = (await oldest.execute()).map((row) => row.id)
      let replayed = 0
      if (ids.length > 0) {
        const result = await requeue(tenantId, recipient).where('id', 'in', ids).executeTakeFirst()
        replayed = Number(result.numUpdatedRows)
        if (replayed > 0) await wakeups.hint(tenantId, recipient)
      }
      const left = await db
        .selectFrom('po_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(deadLettersOf(tenantId, recipient))
        .executeTakeFirstOrThrow()
      return { replayed, remaining: Number(left.n) }
    },

    async deleteDeadLetter(tenantId: string, recipient: string, id: string): Promise<void> {
      checkMailboxName(recipient)
      await buryExhausted(tenantId, recipient)
      const result = await db
        .deleteFrom('po_messages')
        .where(deadLettersOf(tenantId, recipient))
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) throw postOfficeErrors.DEAD_LETTER_NOT_FOUND({ id, recipient })
    },
  }
}
