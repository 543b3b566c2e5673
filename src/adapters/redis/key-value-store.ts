import type { Redis } from 'ioredis'
import { storageErrors } from '../../ports/errors.js'
import type { KeyValueStore } from '../../ports/key-value-store.js'
import { openRedisConnection } from './connection.js'
import { compareAndSet, createScriptRunner, incrementWithTtl, toScriptResult } from './scripts.js'

/**
 * KeyValueStore on Redis. Each method is one command or one Lua script (see scripts.ts), so it is atomic across every
 * node. `keyPrefix` is prepended here to every key, including the KEYS of scripts; ioredis's own keyPrefix is unused.
 */
export function createRedisKeyValueStore(options: { url: string; keyPrefix?: string }): KeyValueStore {
  const connection = openRedisConnection(options.url, 'kv')
  const runScript = createScriptRunner()
  const prefix = options.keyPrefix ?? ''

  return {
    get: (key) => connection.call((redis) => redis.get(prefix + key)),
    async set(key, value, { ttlMs, ifAbsent = false } = {}) {
      assertTtl(ttlMs)
      const reply = await connection.call((redis) =>
        setCommand(redis, prefix + key, value, { ttlMs, ifAbsent }),
      )
      return reply === 'OK'
    },
    async delete(key) {
      return (await connection.call((redis) => redis.del(prefix + key))) > 0
    },
    async increment(key, by = 1, { ttlMs } = {}) {
      assertTtl(ttlMs)
      if (!Number.isSafeInteger(by)) throw new RangeError(`increment needs a whole number, got ${by}`)
      try {
        if (ttlMs === undefined) return await connection.call((redis) => redis.incrby(prefix + key, by))
        const reply = await connection.call((redis) =>
          runScript(redis, incrementWithTtl, [prefix + key], [by, ttlMs]),
        )
        return Number(reply)
      } catch (error) {
        if (error instanceof Error && /not an integer|would overflow/.test(error.message)) {
          throw storageErrors.KV_NOT_AN_INTEGER({ key }, error)
        }
        throw error
      }
    },
    async compareAndSet(key, expected, next, { ttlMs } = {}) {
      assertTtl(ttlMs)
      const args = [
        expected === null ? '0' : '1',
        expected ?? '',
        next === null ? '0' : '1',
        next ?? '',
        ttlMs ?? '',
      ]
      const reply = await connection.call((redis) => runScript(redis, compareAndSet, [prefix + key], args))
      return reply === 1
    },
    async ttl(key) {
      const remaining = await connection.call((redis) => redis.pttl(prefix + key))
      if (remaining === -2) return undefined
      return remaining === -1 ? null : remaining
    },
    runScript(script, keys, args) {
      const prefixed = prefix === '' ? keys : keys.map((key) => prefix + key)
      return connection.call((redis) => runScript(redis, script, prefixed, args)).then(toScriptResult)
    },
    async ping() {
      await connection.call((redis) => redis.ping())
    },
    close: () => connection.close(),
  }
}

function setCommand(
  redis: Redis,
  key: string,
  value: string,
  { ttlMs, ifAbsent }: { ttlMs: number | undefined; ifAbsent: boolean },
): Promise<'OK' | null> {
  if (ttlMs === undefined) return ifAbsent ? redis.set(key, value, 'NX') : redis.set(key, value)
  return ifAbsent ? redis.set(key, value, 'PX', ttlMs, 'NX') : redis.set(key, value, 'PX', ttlMs)
}

function assertTtl(ttlMs: number | undefined): void {
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`ttlMs must be a positive whole number of milliseconds, got ${ttlMs}`)
  }
}
