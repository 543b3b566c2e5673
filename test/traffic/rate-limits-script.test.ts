import { beforeAll, expect, it } from 'vitest'
import { type ManualClock, createManualClock } from '../../src/kernel/clock.js'
import type { KeyValueStore } from '../../src/ports/key-value-store.js'
import {
  type GcraCheck,
  type GcraDecision,
  type GcraVerdict,
  gcraCall,
  gcraExpiryMarginMs,
  gcraScript,
  parseGcraReplies,
} from '../../src/smart-city/traffic-cop/rate-limits/gcra-script.js'
import { uniqueName } from '../support/real-servers.js'
import { describeOnProfiles } from '../support/profiles.js'

/** Each step: advance the clock to `at` (ms since the start), run one decision, expect [admits, remaining, resetMs, retryMs]. */
type Step = [at: number, expected: [0 | 1, number, number, number]]

const table: { title: string; limit: number; windowMs: number; steps: Step[] }[] = [
  {
    title: '3 per 3 s: a burst of 3, then one every second, across the window boundary',
    limit: 3,
    windowMs: 3000,
    steps: [
      [0, [1, 2, 1000, 0]],
      [0, [1, 1, 2000, 0]],
      [0, [1, 0, 3000, 0]],
      [0, [0, 0, 3000, 1000]],
      [999, [0, 0, 2001, 1]],
      [1000, [1, 0, 3000, 0]],
      [1000, [0, 0, 3000, 1000]],
      [1999, [0, 0, 2001, 1]],
      [2000, [1, 0, 3000, 0]],
      [2999, [0, 0, 2001, 1]],
      [3000, [1, 0, 3000, 0]],
      [3000, [0, 0, 3000, 1000]],
      [6000, [1, 2, 1000, 0]],
      [20_000, [1, 2, 1000, 0]],
    ],
  },
  {
    title: '3 per 1 s: an interval of 333⅓ ms is kept exactly',
    limit: 3,
    windowMs: 1000,
    steps: [
      [0, [1, 2, 334, 0]],
      [0, [1, 1, 667, 0]],
      [0, [1, 0, 1000, 0]],
      [0, [0, 0, 1000, 334]],
      [333, [0, 0, 667, 1]],
      [334, [1, 0, 1000, 0]],
      [334, [0, 0, 1000, 333]],
      [666, [0, 0, 668, 1]],
      [667, [1, 0, 1000, 0]],
      [1000, [1, 0, 1000, 0]],
      [1001, [0, 0, 999, 333]],
    ],
  },
  {
    title: '1 per 1 s',
    limit: 1,
    windowMs: 1000,
    steps: [
      [0, [1, 0, 1000, 0]],
      [500, [0, 0, 500, 500]],
      [1000, [1, 0, 1000, 0]],
      [1999, [0, 0, 1, 1]],
      [2000, [1, 0, 1000, 0]],
    ],
  },
]

describeOnProfiles('rate-limit GCRA script', (profile) => {
  let kv: KeyValueStore
  let clock: ManualClock

  beforeAll(async () => {
    clock = createManualClock()
    kv = (await profile.startNode({}, { clock })).infra.keyValue
  })

  /** One script call deciding `decisions` in order. */
  async function decideBatch(decisions: GcraDecision[]): Promise<GcraVerdict[]> {
    const now = clock.now()
    const call = gcraCall(now, decisions)
    return parseGcraReplies(await kv.runScript(gcraScript, call.keys, call.args), now, decisions)
  }

  async function decide(
    checks: GcraCheck[],
    version?: { key: string; expected: string | null },
  ): Promise<GcraVerdict> {
    const [verdict] = await decideBatch([{ checks, version }])
    return verdict!
  }

  for (const { title, limit, windowMs, steps } of table) {
    it(title, async () => {
      const key = uniqueName('rl')
      const start = clock.now()
      const seen: unknown[] = []
      for (const [at] of steps) {
        clock.set(start + at)
        const verdict = await decide([{ key, limit, windowMs }])
        if (verdict.stale) throw new Error('unexpected stale verdict')
        const [k] = verdict.keys
        seen.push([at, [k!.admits ? 1 : 0, k!.remaining, k!.resetMs, k!.retryMs]])
      }
      expect(seen).toEqual(steps)
      clock.advance(100_000)
    })
  }

  it('with several keys, admits only if all admit, and a refusal consumes none of them', async () => {
    const tight = { key: uniqueName('rl'), limit: 1, windowMs: 60_000 }
    const loose = { key: uniqueName('rl'), limit: 5, windowMs: 60_000 }
    const first = await decide([tight, loose])
    expect(first).toMatchObject({ stale: false, admitted: true })
    for (let i = 0; i < 3; i++) {
      const refused = await decide([tight, loose])
      expect(refused).toMatchObject({ stale: false, admitted: false })
      if (!refused.stale) expect(refused.keys.map((k) => k.admits)).toEqual([false, true])
    }
    const alone = await decide([loose])
    expect(alone).toMatchObject({ admitted: true, keys: [{ admits: true, remaining: 3 }] })
  })

  it('decides only under the expected policy version, changing nothing otherwise', async () => {
    const versionKey = uniqueName('ver')
    const check = { key: uniqueName('rl'), limit: 1, windowMs: 60_000 }
    expect(await decide([check], { key: versionKey, expected: 'v1' })).toEqual({ stale: true })
    expect(await decide([check], { key: versionKey, expected: null })).toMatchObject({ admitted: true })
    await kv.set(versionKey, 'v2')
    expect(await decide([check], { key: versionKey, expected: null })).toEqual({ stale: true })
    expect(await decide([check], { key: versionKey, expected: 'v2' })).toMatchObject({ admitted: false })
  })

  it('decides several keys under a policy version, and a stale one changes none of them', async () => {
    const versionKey = uniqueName('ver')
    await kv.set(versionKey, 'v1')
    const checks = [
      { key: uniqueName('rl'), limit: 2, windowMs: 60_000 },
      { key: uniqueName('rl'), limit: 3, windowMs: 60_000 },
    ]
    expect(await decide(checks, { key: versionKey, expected: 'v0' })).toEqual({ stale: true })
    const first = await decide(checks, { key: versionKey, expected: 'v1' })
    expect(first).toMatchObject({ admitted: true, keys: [{ remaining: 1 }, { remaining: 2 }] })
    await decide(checks, { key: versionKey, expected: 'v1' })
    const refused = await decide(checks, { key: versionKey, expected: 'v1' })
    expect(refused).toMatchObject({
      admitted: false,
      keys: [{ admits: false }, { admits: true, remaining: 0 }],
    })
    expect(await decide([checks[1]!])).toMatchObject({ admitted: true, keys: [{ remaining: 0 }] })
  })

  it('a batch decides in order, each decision on its own: later ones see earlier writes, refusals consume nothing', async () => {
    const a = { key: uniqueName('rl'), limit: 2, windowMs: 60_000 }
    const b = { key: uniqueName('rl'), limit: 1, windowMs: 60_000 }
    const verdicts = await decideBatch([
      { checks: [a], version: undefined },
      { checks: [a], version: undefined },
      { checks: [a], version: undefined },
      { checks: [b, a], version: undefined },
      { checks: [b], version: undefined },
      { checks: [b], version: undefined },
    ])
    expect(verdicts).toMatchObject([
      { stale: false, admitted: true, keys: [{ admits: true, remaining: 1 }] },
      { stale: false, admitted: true, keys: [{ admits: true, remaining: 0 }] },
      { stale: false, admitted: false, keys: [{ admits: false }] },
      { stale: false, admitted: false, keys: [{ admits: true, remaining: 0 }, { admits: false }] },
      { stale: false, admitted: true, keys: [{ admits: true, remaining: 0 }] },
      { stale: false, admitted: false, keys: [{ admits: false }] },
    ])
  })

  it('a stale policy version in the middle of a batch changes nothing for that decision alone', async () => {
    const versionKey = uniqueName('ver')
    await kv.set(versionKey, 'v2')
    const c = { key: uniqueName('rl'), limit: 3, windowMs: 60_000 }
    const current = { key: versionKey, expected: 'v2' }
    const old = { key: versionKey, expected: 'v1' }
    const verdicts = await decideBatch([
      { checks: [c], version: current },
      { checks: [c], version: old },
      { checks: [c, { ...c, key: uniqueName('rl') }], version: old },
      { checks: [], version: old },
      { checks: [], version: current },
      { checks: [c], version: current },
    ])
    expect(verdicts).toEqual([
      expect.objectContaining({ admitted: true, keys: [expect.objectContaining({ remaining: 2 })] }),
      { stale: true },
      { stale: true },
      { stale: true },
      { stale: false, admitted: true, keys: [] },
      expect.objectContaining({ admitted: true, keys: [expect.objectContaining({ remaining: 1 })] }),
    ])
    expect(await decide([c])).toMatchObject({ admitted: true, keys: [{ remaining: 0 }] })
  })

  it('a large batch over a few keys admits exactly each key’s limit', async () => {
    const keys = Array.from({ length: 8 }, () => ({ key: uniqueName('rl'), limit: 5, windowMs: 60_000 }))
    const decisions = Array.from({ length: 96 }, (_, i) => ({ checks: [keys[i % 8]!], version: undefined }))
    const verdicts = await decideBatch(decisions)
    const admitted = keys.map(
      (_, k) => verdicts.filter((v, i) => i % 8 === k && !v.stale && v.admitted).length,
    )
    expect(admitted).toEqual(keys.map(() => 5))
    expect(verdicts.slice(0, 40).every((v) => !v.stale && v.admitted)).toBe(true)
  })

  it('a state key outlives its TAT by one to two margins, and keeps its expiry while that holds', async () => {
    const key = uniqueName('rl')
    const check = { key, limit: 2, windowMs: 10_000 }
    await decide([check])
    const ttl = (await kv.ttl(key))!
    expect(ttl).toBeGreaterThan(5_000 + gcraExpiryMarginMs)
    expect(ttl).toBeLessThanOrEqual(5_000 + 2 * gcraExpiryMarginMs)
    await decide([check])
    expect(await kv.ttl(key)).toBeLessThanOrEqual(ttl)
    await kv.set(key, (await kv.get(key))!, { ttlMs: 30_000 })
    clock.advance(1)
    const refused = await decide([check])
    expect(refused).toMatchObject({ admitted: false })
    expect(await kv.ttl(key)).toBeLessThanOrEqual(30_000)
    clock.advance(5_000)
    await decide([check])
    expect(await kv.ttl(key)).toBeGreaterThan(10_000 + gcraExpiryMarginMs)
  })
})
