import type { Clock } from '../../kernel/clock.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { Logger } from '../../kernel/logger.js'
import type { PubSub } from '../../ports/pub-sub.js'
import type { SqlDatabase } from '../../ports/sql-database.js'

export interface ConductorSettings {
  /** How often each node looks for due timers (waits, retries, timeouts) and expired leases. */
  sweepIntervalMs: number
  /** In-process handler invocations running at once on this node. */
  workerConcurrency: number
  /** Lease of an in-process handler's task; a node that dies holding it loses the task after this long. */
  leaseSeconds: number
}

export interface ConductorDeps {
  database: SqlDatabase
  pubSub: PubSub
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: ConductorSettings
}

export const maxSubworkflowDepth = 8
