import { afterAll, describe, expect, it } from 'vitest'
import { createMemoryKeyValueStore } from '../../src/adapters/memory/key-value-store.js'
import { createRedisKeyValueStore } from '../../src/adapters/redis/key-value-store.js'
import { createManualClock } from '../../src/kernel/clock.js'
import { createLogger } from '../../src/kernel/logger.js'
import type { KeyValueStore, ScriptResult } from '../../src/ports/key-value-store.js'
import { compilePolicy } from '../../src/smart-city/traffic-cop/rate-limits/compiled-policy.js'
import { createDecisionBatcher } from '../../src/smart-city/traffic-cop/rate-limits/decision-batcher.js'
import type { GcraVerdict } from '../../src/smart-city/traffic-cop/rate-limits/gcra-script.js'
import { createLimiter } from '../../src/smart-city/traffic-cop/rate-limits/limiter.js'
import { realRedisUrl, uniqueName } from '../support/real-servers.js'

/**
 * The group commit of rate-limit decisions (decision-batcher.ts) over a store whose script calls are recorded and
 * can be held back, on the memory store and on a real Redis.
 */
interface RecordingStore extends KeyValueStore {
  /** Decisions per script call, in the order the calls were made. */
  calls: number[]
  /** Holds every later call until `release()`. */
  hold(): void
  release(): void
  failNext(error: Error): void
}

function recording(store: KeyValueStore): RecordingStore {
  const calls: number[] = []
  let held: Promise<void> | undefined
  let release = () => undefined as void
  let failure: Error | undefined
  // Without runLocal, the limiter sends every decision through the batcher, as on Redis.
  const remote: KeyValueStore = { ...store }
  delete remote.runLocal
  return {
    ...remote,
    calls,
    hold() {
      held = new Promise((resolve) => (release = resolve))
    },
    release: () => release(),
    failNext(error) {
      failure = error
    },
    async runScript(script, keys, args): Promise<ScriptResult> {
      calls.push(headers(args))
      const error = failure
      failure = undefined
      if (held) await held
      if (error) throw error
      return store.runScript(script, keys, args)
    },
  }
}

/** How many decisions a call of the batched GCRA script carries (args: now, then per decision a header …). */
function headers(args: (string | number)[]): number {
  let count = 0
  for (let arg = 1; arg < args.length; count++) {
    const header = String(args[arg])
    const versioned = header.startsWith('v')
    arg += (versioned ? 2 : 1) + 2 * parseInt(versioned ? header.slice(1) : header, 16)
  }
  return count
}

const stores: { name: string; create: () => KeyValueStore; skip: boolean }[] = [
  { name: 'memory', create: () => createMemoryKeyValueStore({ clock: createManualClock() }), skip: false },
  {
    name: 'redis',
    create: () => createRedisKeyValueStore({ url: realRedisUrl!, keyPrefix: `${uniqueName('batch')}:` }),
    skip: !realRedisUrl,
  },
]

for (const { name, create, skip } of stores) {
  describe.skipIf(skip)(`rate-limit decisions in batches [${name}]`, () => {
    const opened: KeyValueStore[] = []
    afterAll(async () => {
      for (const store of opened) await store.close()
    })

    function setUp(limits = { maxInFlight: 1, maxBatch: 128 }) {
      const base = create()
      opened.push(base)
      const store = recording(base)
      const batcher = createDecisionBatcher({ keyValue: store, clock: createManualClock() }, limits)
      const check = (key: string, limit: number) =>
        batcher.decide({ checks: [{ key, limit, windowMs: 60_000 }], version: undefined })
      return { store, batcher, check }
    }

    const admitted = (verdicts: GcraVerdict[]) => verdicts.map((v) => !v.stale && v.admitted)

    it('decisions of one turn go together in one call, applied in order', async () => {
      const { store, check } = setUp()
      const key = uniqueName('rl')
      const verdicts = await Promise.all([1, 2, 3, 4, 5].map(() => check(key, 3)))
      expect(store.calls).toEqual([5])
      expect(admitted(verdicts)).toEqual([true, true, true, false, false])
      expect(verdicts.slice(0, 3).map((v) => !v.stale && v.keys[0]!.remaining)).toEqual([2, 1, 0])
    })

    it('a lone decision goes at once; those made while a call is out wait and go together next', async () => {
      const { store, check } = setUp()
      const key = uniqueName('rl')
      store.hold()
      const first = check(key, 10)
      await new Promise((resolve) => setImmediate(resolve))
      expect(store.calls).toEqual([1])
      const later = [check(key, 10), check(key, 10)]
      await new Promise((resolve) => setImmediate(resolve))
      const last = check(key, 10)
      await new Promise((resolve) => setImmediate(resolve))
      expect(store.calls).toEqual([1])
      store.release()
      const verdicts = await Promise.all([first, ...later, last])
      expect(store.calls).toEqual([1, 3])
      expect(verdicts.map((v) => !v.stale && v.keys[0]!.remaining)).toEqual([9, 8, 7, 6])
    })

    it('spreads waiting decisions over the calls that may start, at most maxBatch in each', async () => {
      const two = setUp({ maxInFlight: 2, maxBatch: 128 })
      await Promise.all(Array.from({ length: 9 }, () => two.check(uniqueName('rl'), 1)))
      expect(two.store.calls).toEqual([5, 4])
      const bounded = setUp({ maxInFlight: 1, maxBatch: 3 })
      const key = uniqueName('rl')
      const verdicts = await Promise.all(Array.from({ length: 7 }, () => bounded.check(key, 4)))
      expect(bounded.store.calls).toEqual([3, 3, 1])
      expect(admitted(verdicts)).toEqual([true, true, true, true, false, false, false])
    })

    it('a failed call fails each of its decisions, and later decisions go on', async () => {
      const { store, check } = setUp()
      const key = uniqueName('rl')
      store.failNext(new Error('store gone'))
      const failed = await Promise.allSettled([check(key, 2), check(key, 2)])
      expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected'])
      expect(admitted(await Promise.all([check(key, 2), check(key, 2), check(key, 2)]))).toEqual([
        true,
        true,
        false,
      ])
      expect(store.calls).toEqual([2, 3])
    })

    it('through the limiter: 64 requests in flight at once get exactly the limit, each its own headers', async () => {
      const keyValue = create()
      opened.push(keyValue)
      const limiter = createLimiter({
        keyValue,
        clock: createManualClock(),
        logger: createLogger({ level: 'silent' }),
        configPolicies: [
          compilePolicy({ name: 'ip', scope: 'ip', limit: 10, windowSeconds: 60, routes: ['/x'] }, null),
        ],
        onStoreError: 'closed',
        loadTenantPolicies: () => Promise.resolve([]),
      })
      const ip = `10.9.${Math.floor(Math.random() * 250)}.1`
      const decisions = await Promise.all(
        Array.from({ length: 64 }, async () =>
          limiter.check({ method: 'GET', path: '/x', ip, principal: null }),
        ),
      )
      const allowed = decisions.filter((d) => d?.allowed)
      expect(allowed.map((d) => d!.remaining).sort((x, y) => y - x)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      expect(decisions.filter((d) => d && !d.allowed && d.retryAfterSeconds > 0)).toHaveLength(54)
    })
  })
}
