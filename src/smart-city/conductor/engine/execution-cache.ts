import type { ExecutionsTable } from '../tables.js'
import type { ExecutionState } from './state.js'

/**
 * Executions as this node last wrote them — the row's columns and the parsed state — so the next transition of the
 * same execution can skip reading and parsing the row. Whoever uses an entry checks it is still current by `rev`:
 * the locking path compares it with the row it read; the fast path writes on condition that the row's `rev` is
 * still the cached one. An entry is taken out when used, because the interpreter changes the state in place; the
 * writer puts the new one back after it commits. Bounded: the oldest entries go.
 */
export interface CachedExecution {
  row: ExecutionsTable
  state: ExecutionState
}

export function createExecutionCache(maxEntries: number) {
  const entries = new Map<string, CachedExecution>()
  return {
    /** The entry for `executionId`, taken out; with `rev`, only if the cached row is at that revision. */
    take(executionId: string, rev?: number): CachedExecution | undefined {
      const entry = entries.get(executionId)
      if (!entry) return undefined
      entries.delete(executionId)
      return rev === undefined || Number(entry.row.rev) === Number(rev) ? entry : undefined
    },
    put(written: readonly CachedExecution[]): void {
      for (const entry of written) {
        entries.delete(entry.row.id)
        entries.set(entry.row.id, entry)
      }
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
    },
  }
}

export type ExecutionCache = ReturnType<typeof createExecutionCache>
