/**
 * A fixed log-scale latency histogram. Every histogram has the same buckets, so merging minutes, routes or nodes is
 * element-wise addition and loses nothing.
 *
 * Buckets (milliseconds): bucket 0 holds [0, 0.125); bucket i (1 … 42) holds [b(i-1), b(i)) with
 * b(k) = 2^((k - 6) / 2), i.e. 0.125, 0.177, 0.25 … 185 363, 262 144 ms, each bound √2 times the previous one;
 * bucket 43 holds everything from 262 144 ms (≈ 4.4 min) up. Percentiles are interpolated linearly inside the bucket
 * the rank falls in, so an estimate is within that bucket's width (≤ 41 % of the value) of the exact one.
 */
export const histogramBucketCount = 44

export const histogramBoundsMs: readonly number[] = Array.from(
  { length: histogramBucketCount - 1 },
  (_, k) => 2 ** ((k - 6) / 2),
)

export type Histogram = number[]

export function emptyHistogram(): Histogram {
  return new Array<number>(histogramBucketCount).fill(0)
}

export function bucketIndex(ms: number): number {
  const bounds = histogramBoundsMs
  if (!(ms >= bounds[0]!)) return 0
  // The logarithm gives the bucket up to rounding; the comparisons settle values that sit on a bound.
  let index = Math.min(histogramBucketCount - 1, Math.floor(2 * Math.log2(ms)) + 7)
  while (index < histogramBucketCount - 1 && ms >= bounds[index]!) index += 1
  while (index > 0 && ms < bounds[index - 1]!) index -= 1
  return index
}

/** The [lower, upper) range of a bucket in ms; the last bucket's upper bound is Infinity. */
export function bucketRange(index: number): [number, number] {
  return [index === 0 ? 0 : histogramBoundsMs[index - 1]!, histogramBoundsMs[index] ?? Infinity]
}

export function observe(histogram: Histogram, ms: number): void {
  histogram[bucketIndex(ms)]! += 1
}

/** Adds `source` into `target` (same bucket layout, so the sum is exact). */
export function addHistogram(target: Histogram, source: readonly number[]): void {
  for (let i = 0; i < histogramBucketCount; i += 1) target[i]! += source[i] ?? 0
}

/**
 * The q-quantile (0 < q ≤ 1) in ms, or null for an empty histogram. The last bucket has no upper bound and
 * answers its lower one.
 */
export function percentile(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0)
  if (total === 0) return null
  const rank = q * total
  let below = 0
  for (let i = 0; i < histogramBucketCount; i += 1) {
    const inBucket = histogram[i] ?? 0
    if (inBucket > 0 && below + inBucket >= rank) {
      const [lower, upper] = bucketRange(i)
      if (upper === Infinity) return lower
      return lower + ((upper - lower) * Math.max(0, rank - below)) / inBucket
    }
    below += inBucket
  }
  return bucketRange(histogramBucketCount - 1)[0]
}
