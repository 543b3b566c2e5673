import type { ExecutionState } from './state.js'

/**
 * Parsed execution states this node wrote, so the next transition of the same execution skips parsing its state
 * document. An entry is used only when the row's state text is exactly the text this node wrote (any other
 * writer's change shows as a different text), and it is taken out when used, because the interpreter changes the
 * state in place; the unit that took it puts the new state back after it commits. Bounded: the oldest entries go.
 */
export interface CachedState {
  executionId: string
  text: string
  state: ExecutionState
}

export function createStateCache(maxEntries: number) {
  const entries = new Map<string, CachedState>()
  return {
    take(executionId: string, text: string): ExecutionState | undefined {
      const entry = entries.get(executionId)
      if (!entry) return undefined
      entries.delete(executionId)
      return entry.text === text ? entry.state : undefined
    },
    put(states: readonly CachedState[]): void {
      for (const entry of states) {
        entries.delete(entry.executionId)
        entries.set(entry.executionId, entry)
      }
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
    },
  }
}

export type StateCache = ReturnType<typeof createStateCache>
