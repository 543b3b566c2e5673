import type { Clock } from '../../kernel/clock.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { Logger } from '../../kernel/logger.js'
import type { PubSub } from '../../ports/pub-sub.js'
import type { RawBuilder, Transaction } from 'kysely'
import type { AnyDatabase, SqlDatabase } from '../../ports/sql-database.js'
import type { Rows } from '../../ports/sql-row-lists.js'

export interface ConductorSettings {
  /** How often each node looks for due timers (waits, retries, timeouts) and expired leases. */
  sweepIntervalMs: number
  /** In-process handler invocations running at once on this node. */
  workerConcurrency: number
  /** Lease of an in-process handler's task; a node that dies holding it loses the task after this long. */
  leaseSeconds: number
}

/** Where execution events go: the Post Office's transactional outbox (an event exists iff its transaction commits). */
export interface ExecutionEventOutbox {
  publishInTransaction(
    trx: Transaction<AnyDatabase>,
    event: { tenantId: string; type: string; payload: unknown; source: string },
  ): Promise<{ id: string }>
  /**
   * The insert that writes these events to the outbox, for a caller that makes it part of its own atomic write (a
   * data-modifying CTE on PostgreSQL, a statement of its transaction on SQLite): the events exist iff that write
   * commits. The events may be a source read when a statement template is filled (see sql-row-lists.ts).
   */
  outboxInsert(
    events: Rows<{ tenantId: string; type: string; payload: unknown; source: string }>,
  ): RawBuilder<unknown>
  wake(): Promise<void>
}

export interface ConductorDeps {
  database: SqlDatabase
  pubSub: PubSub
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: ConductorSettings
  events?: ExecutionEventOutbox
}

export const maxSubworkflowDepth = 8
