import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryKeyValueStore } from '../../src/adapters/memory/key-value-store.js'
import { createRedisKeyValueStore } from '../../src/adapters/redis/key-value-store.js'
import { createManualClock } from '../../src/kernel/clock.js'
import type { KeyValueScript } from '../../src/ports/key-value-store.js'
import { realRedisUrl, uniqueName } from '../support/real-servers.js'
import { describeKeyValueStoreContract } from './key-value-store.contract.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describeKeyValueStoreContract({
  name: 'memory',
  create: () => {
    const clock = createManualClock()
    const store = createMemoryKeyValueStore({ clock, keyPrefix: 'app:' })
    return Promise.resolve({ store, advance: (ms) => Promise.resolve(clock.advance(ms)) })
  },
})

describe.skipIf(!realRedisUrl)('redis', () => {
  const url = realRedisUrl!
  const prefix = `${uniqueName('kv')}:`
  let stores = 0
  let admin: Redis

  beforeAll(() => {
    admin = new Redis(url)
  })

  afterAll(async () => {
    let cursor = '0'
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      if (keys.length > 0) await admin.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
    await admin.quit()
  })

  describeKeyValueStoreContract({
    name: 'redis',
    create: () => {
      const store = createRedisKeyValueStore({ url, keyPrefix: `${prefix}${++stores}:` })
      return Promise.resolve({ store, advance: sleep })
    },
  })

  describe('redis adapter', () => {
    it('stores keys under the prefix', async () => {
      const keyPrefix = `${prefix}raw:`
      const store = createRedisKeyValueStore({ url, keyPrefix })
      try {
        await store.set('k', 'v')
        await store.increment('n', 1, { ttlMs: 60_000 })
        expect(await admin.get(`${keyPrefix}k`)).toBe('v')
        expect(await admin.get(`${keyPrefix}n`)).toBe('1')
        expect(await admin.get('k')).toBeNull()
      } finally {
        await store.close()
      }
    })

    it('runs a script the server has not cached by falling back from EVALSHA to EVAL', async () => {
      const store = createRedisKeyValueStore({ url, keyPrefix: `${prefix}eval:` })
      const fresh: KeyValueScript = {
        name: uniqueName('fresh'),
        lua: `-- ${uniqueName('never-loaded')}\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])`,
        local: (ops, [key], [by]) => ops.incrBy(key!, Number(by)),
      }
      try {
        expect(await store.runScript(fresh, ['n'], [2])).toBe(2)
        expect(await store.runScript(fresh, ['n'], [3])).toBe(5)
        await admin.script('FLUSH')
        expect(await store.runScript(fresh, ['n'], [4])).toBe(9)
      } finally {
        await store.close()
      }
    })

    it('fails with STORAGE_UNAVAILABLE when the server cannot be reached', async () => {
      const store = createRedisKeyValueStore({ url: 'redis://127.0.0.1:1' })
      try {
        await expect(store.get('k')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true })
        await expect(store.ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
      } finally {
        await store.close()
      }
    })
  })
})
