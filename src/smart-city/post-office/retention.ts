import type { Kysely } from 'kysely'
import type { TimerHandle } from '../../kernel/clock.js'
import type { PostOfficeDeps } from './deps.js'
import type { PostOfficeTables } from './tables.js'

/** Rows deleted per statement, so a sweep never holds long locks or builds one huge transaction. */
const chunk = 500
const sweepEveryMs = 10 * 60_000

/**
 * Forgets what the outbox no longer needs once it is older than SYMPHAINY_POST_OFFICE_RETENTION_DAYS: deliveries
 * that succeeded, then routed events with no delivery left (events that matched no subscription, or whose
 * deliveries all went). Pending and dead deliveries, and the events they point at, are kept whatever their age:
 * they are work still to do or failures an operator has to see (deleting the subscription removes them). Every
 * node sweeps every ten minutes; the deletes are idempotent, so nodes sweeping at once do no harm. Retention 0
 * keeps everything.
 */
export function createRetention(deps: PostOfficeDeps) {
  const db = deps.database.db as Kysely<PostOfficeTables>
  const retentionMs = deps.settings.retentionDays * 86_400_000
  let timer: TimerHandle | undefined
  let stopped = true
  let sweeping = false
  let running: Promise<unknown> = Promise.resolve()

  /** Runs `deleteSome` (which deletes at most `chunk` rows) until it deletes fewer; the total deleted. */
  async function inChunks(deleteSome: () => Promise<{ numDeletedRows: bigint }>): Promise<number> {
    let total = 0
    for (;;) {
      const deleted = Number((await deleteSome()).numDeletedRows)
      total += deleted
      if (deleted < chunk) return total
    }
  }

  const deleteDeliveries = (cutoff: number) =>
    inChunks(() => {
      const old = db
        .selectFrom('po_deliveries')
        .select('id')
        .where('status', '=', 'delivered')
        // next_attempt_at (the last attempt's claim, set before its delivered_at) lets the due index find them.
        .where('next_attempt_at', '<', cutoff)
        .where('delivered_at', '<', cutoff)
        .limit(chunk)
      return db.deleteFrom('po_deliveries').where('id', 'in', old).executeTakeFirst()
    })

  const deleteEvents = (cutoff: number) =>
    inChunks(() => {
      const old = db
        .selectFrom('po_events as e')
        .select('e.id')
        .where('e.status', '=', 'routed')
        .where('e.created_at', '<', cutoff)
        .where((eb) =>
          eb.not(
            eb.exists(eb.selectFrom('po_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id')),
          ),
        )
        .limit(chunk)
      return db.deleteFrom('po_events').where('id', 'in', old).executeTakeFirst()
    })

  /** One sweep: what it deleted. */
  async function sweep(): Promise<{ deliveries: number; events: number }> {
    if (retentionMs === 0) return { deliveries: 0, events: 0 }
    const cutoff = deps.clock.now() - retentionMs
    const deliveries = await deleteDeliveries(cutoff)
    return { deliveries, events: await deleteEvents(cutoff) }
  }

  /** A tick starts a sweep unless the previous one is still running. */
  function schedule(): void {
    timer = deps.clock.setTimer(sweepEveryMs, () => {
      if (stopped) return
      if (!sweeping) {
        sweeping = true
        running = sweep()
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'post office retention sweep failed'))
          .finally(() => {
            sweeping = false
          })
      }
      schedule()
    })
  }

  return {
    sweep,
    start(): void {
      stopped = false
      if (retentionMs > 0) schedule()
    },
    async stop(): Promise<void> {
      stopped = true
      timer?.cancel()
      timer = undefined
      await running
    },
  }
}

export type Retention = ReturnType<typeof createRetention>
