import type { TasksTable } from '../tables.js'

/** A task leased to this node; `rowless` while it exists only in its step's state (see `StepState.lease`). */
export type LeasedTask = TasksTable & { rowless?: boolean }
import type { CachedExecution } from './execution-cache.js'

/** What a unit of transitions did besides its writes, for the node to act on once it has committed. */
export interface UnitEffects {
  now: number
  /** Tasks created in this unit, for wake-up hints after commit. */
  created: TasksTable[]
  /** When set, new tasks of these types are leased to this worker at once. */
  lease?: { workerId: string; types: ReadonlySet<string>; untilMs: number }
  leased: LeasedTask[]
  /** Something became due at once (a finished child's parent, a zero delay): sweep right after commit. */
  wake: boolean
  /** Events were written to the outbox: wake its dispatchers after commit. */
  published: boolean
  /** Executions as this unit wrote them, for the execution cache once the unit commits. */
  states: CachedExecution[]
}

export function effectsOf(now: number, lease?: UnitEffects['lease']): UnitEffects {
  return {
    now,
    created: [],
    ...(lease ? { lease } : {}),
    leased: [],
    wake: false,
    published: false,
    states: [],
  }
}
