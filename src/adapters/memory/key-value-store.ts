import type { Clock } from '../../kernel/clock.js'
import { storageErrors } from '../../ports/errors.js'
import type { KeyValueStore, LocalKeyValueOps, ScriptResult } from '../../ports/key-value-store.js'
import { createKeyValueData, type KeyValueData, NOT_AN_INTEGER, OVERFLOW } from './key-value-data.js'

/**
 * KeyValueStore in process memory, for a single node. TTLs run on the given clock. Every method, scripts included,
 * runs synchronously (inside an async function, or at once for `runLocal`), so nothing interleaves with it: that is
 * the atomicity. A script or `runLocal` sees one time throughout, as a Redis script does. After `close()` every
 * method fails with STORAGE_UNAVAILABLE, as on Redis.
 */
export function createMemoryKeyValueStore(options: { clock: Clock; keyPrefix?: string }): KeyValueStore {
  const data = createKeyValueData(() => options.clock.now())
  const prefix = options.keyPrefix ?? ''
  const localOps = prefix === '' ? data : prefixedOps(data, prefix)
  let closed = false

  // eslint-disable-next-line @typescript-eslint/require-await -- the promise carries what operation() throws
  async function run<T>(operation: () => T): Promise<T> {
    if (closed) throw storageErrors.STORAGE_UNAVAILABLE({ store: 'memory' })
    return operation()
  }

  return {
    get: (key) => run(() => data.get(prefix + key)),
    set: (key, value, { ttlMs, ifAbsent = false } = {}) =>
      run(() => {
        assertTtl(ttlMs)
        if (ifAbsent && data.exists(prefix + key)) return false
        data.set(prefix + key, value, ttlMs)
        return true
      }),
    delete: (key) => run(() => data.del(prefix + key)),
    increment: (key, by = 1, { ttlMs } = {}) =>
      run(() => {
        assertTtl(ttlMs)
        if (!Number.isSafeInteger(by)) throw new RangeError(`increment needs a whole number, got ${by}`)
        const created = !data.exists(prefix + key)
        let value: number
        try {
          value = data.incrBy(prefix + key, by)
        } catch (error) {
          const message = error instanceof Error ? error.message : ''
          if (message === NOT_AN_INTEGER || message === OVERFLOW) {
            throw storageErrors.KV_NOT_AN_INTEGER({ key }, error)
          }
          throw error
        }
        if (created && ttlMs !== undefined) data.pexpire(prefix + key, ttlMs)
        return value
      }),
    compareAndSet: (key, expected, next, { ttlMs } = {}) =>
      run(() => {
        assertTtl(ttlMs)
        if (data.get(prefix + key) !== expected) return false
        if (next === null) data.del(prefix + key)
        else data.set(prefix + key, next, ttlMs)
        return true
      }),
    ttl: (key) =>
      run(() => {
        const remaining = data.pttl(prefix + key)
        if (remaining === -2) return undefined
        return remaining === -1 ? null : remaining
      }),
    runScript: (script, keys, args) =>
      run(() => {
        const prefixed = prefix === '' ? keys : keys.map((key) => prefix + key)
        return asLuaReply(data.atOneTime(() => script.local(data, prefixed, args.map(String))))
      }),
    runLocal(operation) {
      if (closed) throw storageErrors.STORAGE_UNAVAILABLE({ store: 'memory' })
      return data.atOneTime(() => operation(localOps))
    },
    ping: () => run(() => undefined),
    close() {
      closed = true
      data.clear()
      return Promise.resolve()
    },
  }
}

/** The operations with every key under `prefix`, as `runLocal` callers see them (like a script's prefixed KEYS). */
function prefixedOps(data: KeyValueData, prefix: string): LocalKeyValueOps {
  return {
    now: () => data.now(),
    get: (key) => data.get(prefix + key),
    set: (key, value, ttlMs) => data.set(prefix + key, value, ttlMs),
    del: (key) => data.del(prefix + key),
    incrBy: (key, by) => data.incrBy(prefix + key, by),
    pttl: (key) => data.pttl(prefix + key),
    pexpire: (key, ttlMs) => data.pexpire(prefix + key, ttlMs),
    zadd: (key, score, member) => data.zadd(prefix + key, score, member),
    zremRangeByScore: (key, min, max) => data.zremRangeByScore(prefix + key, min, max),
    zcard: (key) => data.zcard(prefix + key),
    zrangeWithScores: (key, start, stop) => data.zrangeWithScores(prefix + key, start, stop),
  }
}

function assertTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a positive whole number of milliseconds, got ${ttlMs}`)
  }
}

/** Redis turns a Lua number into an integer reply by truncation; doing the same keeps both bodies' answers equal. */
function asLuaReply(result: ScriptResult): ScriptResult {
  if (typeof result === 'number') return Math.trunc(result) + 0 // + 0 turns -0 into 0
  if (!Array.isArray(result)) return result
  const reply: ScriptResult[] = new Array<ScriptResult>(result.length)
  for (let i = 0; i < result.length; i++) reply[i] = asLuaReply(result[i] as ScriptResult)
  return reply
}
