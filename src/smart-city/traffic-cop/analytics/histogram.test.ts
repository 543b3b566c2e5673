import { describe, expect, it } from 'vitest'
import {
  addHistogram,
  bucketIndex,
  bucketRange,
  emptyHistogram,
  histogramBoundsMs,
  histogramBucketCount,
  observe,
  percentile,
} from './histogram.js'

function histogramOf(values: readonly number[]): number[] {
  const histogram = emptyHistogram()
  for (const value of values) observe(histogram, value)
  return histogram
}

/** Nearest-rank percentile of the raw values. */
function exact(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
}

function bucketWidth(value: number): number {
  const [lower, upper] = bucketRange(bucketIndex(value))
  return upper - lower
}

// A deterministic pseudo-random sequence, so the distributions are known and the test is repeatable.
function* lcg(seed: number): Generator<number> {
  let state = seed
  for (;;) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    yield state / 2 ** 31
  }
}

function take(count: number, draw: () => number): number[] {
  return Array.from({ length: count }, draw)
}

const random = lcg(42)
const next = () => random.next().value as number
const distributions: Record<string, number[]> = {
  'uniform 1…1000 ms': Array.from({ length: 1000 }, (_, i) => i + 1),
  'log-normal around 20 ms': take(
    5000,
    () => 20 * Math.exp(Math.sqrt(-2 * Math.log(next())) * Math.cos(6.283 * next())),
  ),
  'bimodal 2 ms / 300 ms': [...take(900, () => 1.5 + next()), ...take(100, () => 250 + 100 * next())],
  'sub-millisecond': take(2000, () => 0.05 + 0.9 * next()),
}

describe('latency histogram', () => {
  it('has 44 buckets whose bounds grow by √2 from 0.125 ms', () => {
    expect(histogramBucketCount).toBe(44)
    expect(histogramBoundsMs[0]).toBe(0.125)
    expect(histogramBoundsMs.at(-1)).toBe(262_144)
    for (let i = 1; i < histogramBoundsMs.length; i += 1)
      expect(histogramBoundsMs[i]! / histogramBoundsMs[i - 1]!).toBeCloseTo(Math.SQRT2, 12)
  })

  it('puts a value in the bucket whose [lower, upper) range holds it, bounds included', () => {
    for (const value of [0, 0.1, 0.125, 0.2, 1, 1.5, 2, 999, 1024, 262_143, 262_144, 1e9]) {
      const [lower, upper] = bucketRange(bucketIndex(value))
      expect(value).toBeGreaterThanOrEqual(lower)
      expect(value).toBeLessThan(upper)
    }
    for (const bound of histogramBoundsMs) expect(bucketRange(bucketIndex(bound))[0]).toBe(bound)
  })

  for (const [name, values] of Object.entries(distributions)) {
    it(`estimates p50, p95 and p99 within one bucket's width (${name})`, () => {
      const histogram = histogramOf(values)
      for (const q of [0.5, 0.95, 0.99]) {
        const truth = exact(values, q)
        expect(Math.abs(percentile(histogram, q)! - truth)).toBeLessThanOrEqual(bucketWidth(truth))
      }
    })
  }

  it('merges by addition: two halves added give exactly the histogram of the whole', () => {
    const values = distributions['log-normal around 20 ms']!
    const merged = histogramOf(values.slice(0, 1234))
    addHistogram(merged, histogramOf(values.slice(1234)))
    expect(merged).toEqual(histogramOf(values))
    expect(percentile(merged, 0.95)).toBe(percentile(histogramOf(values), 0.95))
  })

  it('has no percentiles when empty and answers the open bucket with its lower bound', () => {
    expect(percentile(emptyHistogram(), 0.5)).toBeNull()
    expect(percentile(histogramOf([10 * 60_000]), 0.99)).toBe(262_144)
  })
})
