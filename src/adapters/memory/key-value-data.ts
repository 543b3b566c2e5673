import type { LocalKeyValueOps } from '../../ports/key-value-store.js'
import { createSortedSet, type SortedSet } from './sorted-set.js'

/**
 * The in-process keyspace behind the memory KeyValueStore: strings and sorted sets with millisecond expiry, with the
 * semantics (and error messages) of the Redis commands that LocalKeyValueOps names. A key expires once `now()`
 * reaches its expiry time. Expired entries are dropped when touched, and every operation also inspects a few entries
 * of a rolling scan, so expired keys nobody reads are reclaimed at a rate that outpaces their creation.
 */
export interface KeyValueData extends LocalKeyValueOps {
  /**
   * Runs `operation` with the time read once at its start, as Redis freezes time while a script runs: every key
   * it touches expires (or not) as of that moment, and `now()` answers that moment.
   */
  atOneTime<T>(operation: () => T): T
  exists(key: string): boolean
  /** Live and not yet reclaimed entries; for tests of the sweep. */
  size(): number
  clear(): void
}

export const NOT_AN_INTEGER = 'ERR value is not an integer or out of range'
export const OVERFLOW = 'ERR increment or decrement would overflow'
const WRONG_TYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'

type Entry =
  | { kind: 'string'; value: string; expiresAt: number | null }
  | { kind: 'zset'; set: SortedSet; expiresAt: number | null }

// Every SWEEP_EVERY operations inspect SWEEP_STEP entries: 4 per operation on average, with one clock read per batch.
const SWEEP_EVERY = 8
const SWEEP_STEP = 32
const integerPattern = /^(0|-?[1-9][0-9]*)$/

export function createKeyValueData(clockNow: () => number): KeyValueData {
  const entries = new Map<string, Entry>()
  let frozenAt: number | undefined
  const now = () => frozenAt ?? clockNow()
  let cursor: Iterator<[string, Entry]> | null = null

  const expired = (entry: Entry): boolean => entry.expiresAt !== null && entry.expiresAt <= now()

  let operations = 0

  function sweepSome(): void {
    operations = (operations + 1) % SWEEP_EVERY
    if (operations !== 0) return
    const at = now()
    for (let n = 0; n < SWEEP_STEP; n++) {
      cursor ??= entries.entries()
      const next = cursor.next()
      if (next.done === true) {
        cursor = null
        return
      }
      const { expiresAt } = next.value[1]
      if (expiresAt !== null && expiresAt <= at) entries.delete(next.value[0])
    }
  }

  function live(key: string): Entry | undefined {
    sweepSome()
    const entry = entries.get(key)
    if (entry && expired(entry)) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  function liveSet(key: string): SortedSet | undefined {
    const entry = live(key)
    if (entry?.kind === 'string') throw new Error(WRONG_TYPE)
    return entry?.set
  }

  return {
    now,
    atOneTime(operation) {
      if (frozenAt !== undefined) return operation()
      frozenAt = clockNow()
      try {
        return operation()
      } finally {
        frozenAt = undefined
      }
    },
    exists: (key) => live(key) !== undefined,
    size: () => entries.size,
    clear: () => entries.clear(),
    get(key) {
      const entry = live(key)
      if (entry?.kind === 'zset') throw new Error(WRONG_TYPE)
      return entry?.value ?? null
    },
    set(key, value, ttlMs) {
      if (ttlMs !== undefined) assertPositiveInteger(ttlMs, 'invalid expire time in set')
      sweepSome()
      const expiresAt = ttlMs === undefined ? null : now() + ttlMs
      const entry = entries.get(key)
      if (entry?.kind !== 'string') entries.set(key, { kind: 'string', value, expiresAt })
      else {
        entry.value = value
        entry.expiresAt = expiresAt
      }
    },
    del: (key) => live(key) !== undefined && entries.delete(key),
    incrBy(key, by) {
      if (!Number.isSafeInteger(by)) throw new Error(NOT_AN_INTEGER)
      const entry = live(key)
      if (entry?.kind === 'zset') throw new Error(WRONG_TYPE)
      if (entry && !integerPattern.test(entry.value)) throw new Error(NOT_AN_INTEGER)
      const current = entry ? Number(entry.value) : 0
      if (!Number.isSafeInteger(current)) throw new Error(NOT_AN_INTEGER)
      const next = current + by
      if (!Number.isSafeInteger(next)) throw new Error(OVERFLOW)
      if (entry) entry.value = String(next)
      else entries.set(key, { kind: 'string', value: String(next), expiresAt: null })
      return next
    },
    pttl(key) {
      const entry = live(key)
      if (!entry) return -2
      return entry.expiresAt === null ? -1 : entry.expiresAt - now()
    },
    pexpire(key, ttlMs) {
      if (!Number.isSafeInteger(ttlMs)) throw new Error(NOT_AN_INTEGER)
      const entry = live(key)
      if (!entry) return false
      if (ttlMs <= 0) entries.delete(key)
      else entry.expiresAt = now() + ttlMs
      return true
    },
    zadd(key, score, member) {
      if (Number.isNaN(score)) throw new Error('ERR value is not a valid float')
      const set = liveSet(key)
      if (set) set.add(member, score)
      else entries.set(key, { kind: 'zset', set: createSortedSet([[member, score]]), expiresAt: null })
    },
    zremRangeByScore(key, min, max) {
      const set = liveSet(key)
      if (!set) return 0
      const removed = set.removeByScore(min, max)
      if (set.size() === 0) entries.delete(key)
      return removed
    },
    zcard: (key) => liveSet(key)?.size() ?? 0,
    zrangeWithScores(key, start, stop) {
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop)) throw new Error(NOT_AN_INTEGER)
      return liveSet(key)?.range(start, stop) ?? []
    },
  }
}

function assertPositiveInteger(value: number, message: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`ERR ${message}`)
}
