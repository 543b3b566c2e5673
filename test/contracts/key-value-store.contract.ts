import { afterEach, beforeEach, describe, expect } from 'vitest'
import type { KeyValueStore, LocalKeyValueOps } from '../../src/ports/key-value-store.js'
import { createContractTests, type ContractSkip } from './contract-tests.js'
import {
  failing,
  readClock,
  replyShapes,
  slidingLog,
  sortedSetOps,
  stringOps,
  writeAndEcho,
} from './key-value-scripts.js'

/**
 * The KeyValueStore contract (src/ports/key-value-store.ts), run against every adapter. `create` gives a fresh,
 * empty store and `advance`, which moves the store's time forward: a manual clock in memory, a real sleep on Redis.
 * TTLs that must pass are short and waited out with a wide margin; values that must survive get long TTLs, so no
 * test depends on how fast it runs.
 */
export function describeKeyValueStoreContract(options: {
  name: string
  create: () => Promise<{ store: KeyValueStore; advance: (ms: number) => Promise<void> }>
  skip?: ContractSkip[]
}): void {
  describe(`KeyValueStore contract: ${options.name}`, () => {
    const { test, checkSkips } = createContractTests(options.skip)
    let store: KeyValueStore
    let advance: (ms: number) => Promise<void>

    beforeEach(async () => {
      ;({ store, advance } = await options.create())
    })
    afterEach(async () => {
      await store.close()
    })

    describe('get, set and delete', () => {
      test('get answers null for a missing key', async () => {
        expect(await store.get('missing')).toBeNull()
      })

      test('set stores a value and overwrites an earlier one', async () => {
        expect(await store.set('k', 'one')).toBe(true)
        expect(await store.get('k')).toBe('one')
        expect(await store.set('k', 'two')).toBe(true)
        expect(await store.get('k')).toBe('two')
      })

      test('the empty string is a value, not an absence', async () => {
        await store.set('empty', '')
        expect(await store.get('empty')).toBe('')
        expect(await store.ttl('empty')).toBeNull()
      })

      test('keys and values keep any characters', async () => {
        const key = 'tenant:ä ✓ 🚀\n{x}*?[a]'
        const value = 'line 1\nline 2 ✓ 🚀 \u0000 "quoted"'
        await store.set(key, value)
        expect(await store.get(key)).toBe(value)
        expect(await store.get('tenant:a')).toBeNull()
      })

      test('set with ifAbsent writes only when the key is absent', async () => {
        expect(await store.set('once', 'first', { ifAbsent: true })).toBe(true)
        expect(await store.set('once', 'second', { ifAbsent: true })).toBe(false)
        expect(await store.get('once')).toBe('first')
      })

      test('delete answers whether the key was there', async () => {
        await store.set('doomed', 'x')
        expect(await store.delete('doomed')).toBe(true)
        expect(await store.get('doomed')).toBeNull()
        expect(await store.delete('doomed')).toBe(false)
      })
    })

    describe('expiry', () => {
      test('a value with ttlMs reads normally before the ttl passes', async () => {
        await store.set('lasting', 'v', { ttlMs: 60_000 })
        await advance(100)
        expect(await store.get('lasting')).toBe('v')
      })

      test('a value reads as absent everywhere once its ttl has passed', async () => {
        await store.set('short', 'v', { ttlMs: 100 })
        await advance(300)
        expect(await store.get('short')).toBeNull()
        expect(await store.ttl('short')).toBeUndefined()
        expect(await store.delete('short')).toBe(false)
        expect(await store.set('short', 'again', { ifAbsent: true })).toBe(true)
        expect(await store.get('short')).toBe('again')
      })

      test('ttl answers remaining milliseconds, null without expiry, undefined when absent', async () => {
        await store.set('expiring', 'v', { ttlMs: 60_000 })
        await store.set('forever', 'v')
        const remaining = await store.ttl('expiring')
        expect(remaining).toBeGreaterThan(0)
        expect(remaining).toBeLessThanOrEqual(60_000)
        expect(await store.ttl('forever')).toBeNull()
        expect(await store.ttl('missing')).toBeUndefined()
      })

      test('set without ttlMs removes an earlier expiry', async () => {
        await store.set('k', 'v', { ttlMs: 100 })
        await store.set('k', 'w')
        expect(await store.ttl('k')).toBeNull()
        await advance(300)
        expect(await store.get('k')).toBe('w')
      })

      test('ttlMs must be a positive whole number', async () => {
        for (const ttlMs of [0, -5, 1.5, Number.NaN]) {
          await expect(store.set('k', 'v', { ttlMs })).rejects.toThrow()
          await expect(store.increment('n', 1, { ttlMs })).rejects.toThrow()
          await expect(store.compareAndSet('k', null, 'v', { ttlMs })).rejects.toThrow()
        }
        expect(await store.get('k')).toBeNull()
        expect(await store.get('n')).toBeNull()
      })
    })

    describe('increment', () => {
      test('increment starts a missing key at 0 and adds 1 by default', async () => {
        expect(await store.increment('counter')).toBe(1)
        expect(await store.get('counter')).toBe('1')
        expect(await store.ttl('counter')).toBeNull()
      })

      test('increment adds the given amount, negative amounts too', async () => {
        expect(await store.increment('up', 5)).toBe(5)
        expect(await store.increment('up', 5)).toBe(10)
        expect(await store.increment('up', -3)).toBe(7)
        expect(await store.increment('down', -3)).toBe(-3)
        expect(await store.increment('zero', 0)).toBe(0)
      })

      test('increment continues from an integer written by set', async () => {
        await store.set('written', '41')
        expect(await store.increment('written')).toBe(42)
        await store.set('negative', '-10')
        expect(await store.increment('negative', 4)).toBe(-6)
      })

      test('increment fails with KV_NOT_AN_INTEGER on a value that is not an integer', async () => {
        for (const value of ['abc', '1.5', '', ' 1', '1e3', '0x10']) {
          await store.set('bad', value)
          await expect(store.increment('bad')).rejects.toMatchObject({ code: 'KV_NOT_AN_INTEGER' })
          await expect(store.increment('bad', 2, { ttlMs: 60_000 })).rejects.toMatchObject({
            code: 'KV_NOT_AN_INTEGER',
          })
          expect(await store.get('bad')).toBe(value)
          expect(await store.ttl('bad')).toBeNull()
        }
      })

      test('increment gives ttlMs to a key it creates', async () => {
        expect(await store.increment('windowed', 1, { ttlMs: 60_000 })).toBe(1)
        const remaining = await store.ttl('windowed')
        expect(remaining).toBeGreaterThan(0)
        expect(remaining).toBeLessThanOrEqual(60_000)
      })

      test('increment never changes the expiry of an existing key', async () => {
        await store.increment('fixed', 1, { ttlMs: 60_000 })
        await advance(100)
        expect(await store.increment('fixed', 1, { ttlMs: 600_000 })).toBe(2)
        expect(await store.ttl('fixed')).toBeLessThanOrEqual(60_000)
        await store.set('plain', '1')
        expect(await store.increment('plain', 1, { ttlMs: 60_000 })).toBe(2)
        expect(await store.ttl('plain')).toBeNull()
      })

      test('a counter created with ttlMs expires and starts again from 0', async () => {
        expect(await store.increment('window', 3, { ttlMs: 100 })).toBe(3)
        await advance(300)
        expect(await store.get('window')).toBeNull()
        expect(await store.increment('window', 1, { ttlMs: 60_000 })).toBe(1)
      })

      test('200 concurrent increments add up to exactly 200', async () => {
        const results = await Promise.all(Array.from({ length: 200 }, () => store.increment('race')))
        expect(await store.get('race')).toBe('200')
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
      })
    })

    describe('compareAndSet', () => {
      test('compareAndSet with expected null writes only when the key is absent', async () => {
        expect(await store.compareAndSet('k', null, 'first')).toBe(true)
        expect(await store.get('k')).toBe('first')
        expect(await store.compareAndSet('k', null, 'second')).toBe(false)
        expect(await store.get('k')).toBe('first')
      })

      test('compareAndSet swaps when the current value matches', async () => {
        await store.set('k', 'v1')
        expect(await store.compareAndSet('k', 'v1', 'v2')).toBe(true)
        expect(await store.get('k')).toBe('v2')
      })

      test('compareAndSet leaves the key alone when the value differs', async () => {
        await store.set('k', 'v1')
        expect(await store.compareAndSet('k', 'other', 'v2')).toBe(false)
        expect(await store.compareAndSet('k', '', 'v2')).toBe(false)
        expect(await store.get('k')).toBe('v1')
        expect(await store.compareAndSet('missing', 'v1', 'v2')).toBe(false)
        expect(await store.get('missing')).toBeNull()
      })

      test('compareAndSet with next null deletes the key', async () => {
        await store.set('k', 'v1')
        expect(await store.compareAndSet('k', 'v1', null)).toBe(true)
        expect(await store.get('k')).toBeNull()
        expect(await store.ttl('k')).toBeUndefined()
      })

      test('compareAndSet gives the new value ttlMs, or no expiry without it', async () => {
        expect(await store.compareAndSet('k', null, 'v1', { ttlMs: 100 })).toBe(true)
        const remaining = await store.ttl('k')
        expect(remaining).toBeGreaterThan(0)
        expect(remaining).toBeLessThanOrEqual(100)
        await advance(300)
        expect(await store.get('k')).toBeNull()
        await store.set('kept', 'v1', { ttlMs: 60_000 })
        expect(await store.compareAndSet('kept', 'v1', 'v2')).toBe(true)
        expect(await store.ttl('kept')).toBeNull()
      })

      test('compareAndSet sees an expired key as absent', async () => {
        await store.set('k', 'old', { ttlMs: 100 })
        await advance(300)
        expect(await store.compareAndSet('k', 'old', 'new')).toBe(false)
        expect(await store.compareAndSet('k', null, 'new')).toBe(true)
        expect(await store.get('k')).toBe('new')
      })

      test('of 50 racing compareAndSet calls on the same expected value exactly one wins', async () => {
        await store.set('contended', 'v0')
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.compareAndSet('contended', 'v0', `v${i + 1}`)),
        )
        expect(results.filter(Boolean)).toHaveLength(1)
        expect(await store.get('contended')).toBe(`v${results.indexOf(true) + 1}`)
      })
    })

    describe('runScript', () => {
      test('runScript works on the keys the other methods see and passes args as strings', async () => {
        expect(await store.runScript(writeAndEcho, ['scripted'], [42, 'x', -1.5])).toEqual([
          '42',
          'x',
          '-1.5',
        ])
        expect(await store.get('scripted')).toBe('42')
        expect(await store.ttl('scripted')).toBeGreaterThan(0)
        await store.set('scripted', 'overwritten')
        expect(await store.runScript(writeAndEcho, ['scripted'], ['again'])).toEqual(['again'])
        expect(await store.get('scripted')).toBe('again')
      })

      test('a sliding-log script gives the same answers on every adapter', async () => {
        const hit = (now: number, member: string) =>
          store.runScript(slidingLog, ['log'], [now, 1000, 2, member, 60_000])
        expect(await hit(1000, 'a')).toEqual([1, 1, 0])
        expect(await hit(1100, 'b')).toEqual([1, 2, 0])
        expect(await hit(1200, 'c')).toEqual([0, 2, 800])
        expect(await hit(2000, 'd')).toEqual([1, 2, 0])
        expect(await hit(2050, 'e')).toEqual([0, 2, 50])
        expect(await store.ttl('log')).toBeGreaterThan(0)
      })

      test('a script using get, set, del, incrBy, pttl and pexpire gives the same answers on every adapter', async () => {
        const reply = await store.runScript(stringOps, ['text', 'counter', 'absent'], ['v'])
        expect(reply).toEqual(['v', -1, 3, 1, 1, 1, 0, 0, -2, null, 'end'])
        expect(await store.get('text')).toBe('again')
        expect(await store.ttl('text')).toBeGreaterThan(0)
        expect(await store.get('counter')).toBe('3')
        expect(await store.get('absent')).toBeNull()
      })

      test('a script using sorted-set operations gives the same answers on every adapter', async () => {
        const reply = await store.runScript(sortedSetOps, ['set'], [])
        expect(reply).toEqual([['a', 1, 'b', 2, 'c', 3, 'd', 3], ['c', 3, 'd', 3], [], 3, 1, 1, -2, 0])
      })

      test('scripts return null, strings, integers, truncated numbers and nested arrays', async () => {
        expect(await store.runScript(replyShapes, [], ['x', 'nil'])).toBeNull()
        expect(await store.runScript(replyShapes, [], ['hello', 'string'])).toBe('hello')
        expect(await store.runScript(replyShapes, [], ['', 'string'])).toBe('')
        expect(await store.runScript(replyShapes, [], ['42', 'string'])).toBe('42')
        expect(await store.runScript(replyShapes, [], [-42, 'integer'])).toBe(-42)
        expect(await store.runScript(replyShapes, [], [3, 'float'])).toBe(3)
        expect(await store.runScript(replyShapes, [], [-3, 'float'])).toBe(-2)
        expect(await store.runScript(replyShapes, [], ['v', 'array'])).toEqual([
          'v',
          [1, null, 'two'],
          [],
          -7,
        ])
      })

      test('a script reads the time in epoch milliseconds', async () => {
        const now = await store.runScript(readClock, [], [])
        expect(Number.isInteger(now)).toBe(true)
        expect(now).toBeGreaterThan(Date.UTC(2020, 0, 1))
      })

      test('concurrent runs of a script do not interleave', async () => {
        const replies = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            store.runScript(slidingLog, ['busy'], [5000, 1000, 10, `m${i}`, 60_000]),
          ),
        )
        expect(replies.filter((reply) => (reply as number[])[0] === 1)).toHaveLength(10)
      })

      // runLocal is only on stores inside this process (memory); elsewhere there is nothing to check.
      test('runLocal, where present, runs at once on the keys the other methods see, as a local body', async () => {
        if (store.runLocal === undefined) return
        const local = <T>(operation: (ops: LocalKeyValueOps) => T): T => {
          if (store.runLocal === undefined) throw new Error('runLocal went away')
          return store.runLocal(operation)
        }
        expect(local((ops) => stringOps.local(ops, ['text', 'counter', 'absent'], ['v']))).toEqual(
          await store.runScript(stringOps, ['text2', 'counter2', 'absent2'], ['v']),
        )
        expect(await store.get('text')).toBe('again')
        await store.set('plain', 'seen')
        expect(local((ops) => ops.get('plain'))).toBe('seen')
        await store.close()
        expect(() => local((ops) => ops.get('plain'))).toThrow(
          expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' }),
        )
      })

      test('a failing script rejects', async () => {
        await store.set('text', 'not a number')
        await expect(store.runScript(failing, ['text'], [])).rejects.toThrow()
        expect(await store.get('text')).toBe('not a number')
      })
    })

    describe('connection', () => {
      test('ping resolves on an open store', async () => {
        await expect(store.ping()).resolves.toBeUndefined()
      })

      test('after close every method fails with STORAGE_UNAVAILABLE, and close may be called again', async () => {
        await store.set('k', 'v')
        await store.close()
        const unavailable = { code: 'STORAGE_UNAVAILABLE' }
        await expect(store.get('k')).rejects.toMatchObject(unavailable)
        await expect(store.set('k', 'w')).rejects.toMatchObject(unavailable)
        await expect(store.increment('n')).rejects.toMatchObject(unavailable)
        await expect(store.compareAndSet('k', 'v', 'w')).rejects.toMatchObject(unavailable)
        await expect(store.runScript(readClock, [], [])).rejects.toMatchObject(unavailable)
        await expect(store.ping()).rejects.toMatchObject(unavailable)
        await expect(store.close()).resolves.toBeUndefined()
      })
    })

    checkSkips()
  })
}
