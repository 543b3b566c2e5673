/**
 * Key-value store with TTLs and atomic operations. Keys and values are strings; callers encode JSON themselves.
 *
 * Contract:
 * - `ttlMs` is a positive whole number of milliseconds; a key whose TTL has passed reads as absent everywhere.
 * - `set` with `ifAbsent` writes only when the key is absent and says whether it wrote.
 * - `increment` is atomic across every node sharing the store; a new key starts at 0 and gets `ttlMs` (when given)
 *   only at creation, so a fixed window does not slide. A non-integer value fails with KV_NOT_AN_INTEGER.
 * - `compareAndSet` replaces the value only if the current value equals `expected` (`null` = absent); `next = null`
 *   deletes. It says whether it swapped.
 * - `runScript` runs a `KeyValueScript` atomically: the Lua body on Redis, the `local` body in memory. Both bodies
 *   must have the same semantics; the script's contract test runs it on every adapter.
 * - `ttl` answers the remaining milliseconds, `null` for a key without expiry, `undefined` for an absent key.
 * - `runLocal` exists only on a store whose data lives in this process (memory). It runs a synchronous function on
 *   the data at once, which is atomic for the same reason as a `local` script body, and returns what it returns (or
 *   throws what it throws, and STORAGE_UNAVAILABLE once closed). Hot paths use it to skip promise hops and argument
 *   encoding; a caller that also has a script for other stores builds the script's `local` body on the same code.
 * Left out: scans, hashes, sorted sets as separate methods — a script covers such needs.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>
  set(key: string, value: string, options?: { ttlMs?: number; ifAbsent?: boolean }): Promise<boolean>
  delete(key: string): Promise<boolean>
  increment(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>
  compareAndSet(
    key: string,
    expected: string | null,
    next: string | null,
    options?: { ttlMs?: number },
  ): Promise<boolean>
  ttl(key: string): Promise<number | null | undefined>
  runScript(script: KeyValueScript, keys: string[], args: (string | number)[]): Promise<ScriptResult>
  runLocal?<T>(operation: (ops: LocalKeyValueOps) => T): T
  ping(): Promise<void>
  close(): Promise<void>
}

/** Values a script may return (Lua's reply types): integers, strings, null, and arrays of those. */
export type ScriptResult = number | string | null | ScriptResult[]

/**
 * The operations a `local` script body may use. They are synchronous, so the memory adapter runs a whole script
 * without interleaving. Semantics follow the Redis commands of the same name (times in milliseconds).
 */
export interface LocalKeyValueOps {
  now(): number
  get(key: string): string | null
  set(key: string, value: string, ttlMs?: number): void
  del(key: string): boolean
  incrBy(key: string, by: number): number
  pttl(key: string): number
  pexpire(key: string, ttlMs: number): boolean
  /** Sorted-set operations, enough for sliding logs and lease queues. */
  zadd(key: string, score: number, member: string): void
  zremRangeByScore(key: string, min: number, max: number): number
  zcard(key: string): number
  zrangeWithScores(key: string, start: number, stop: number): Array<[string, number]>
}

export interface KeyValueScript {
  /** Unique name; adapters cache the loaded script by it. */
  name: string
  /** Redis Lua body. KEYS/ARGV as passed; time must come from ARGV (callers pass the clock) or `redis.call('TIME')`. */
  lua: string
  /** In-process body with the same semantics. Keys are already prefixed as the Lua body sees them. */
  local(ops: LocalKeyValueOps, keys: string[], args: string[]): ScriptResult
}
