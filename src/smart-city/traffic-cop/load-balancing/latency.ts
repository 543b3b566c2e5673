import type { Strategy } from './strategy.js'

/**
 * Lowest EWMA of response times. An instance without a sample yet is tried first; with probability `exploration`
 * a random instance is chosen instead, so one whose average is stale (e.g. recovered after slow answers) is
 * measured again.
 */
export function createLatencyStrategy(options: { random: () => number; exploration: number }): Strategy {
  return {
    pick(candidates, context) {
      if (candidates.length > 1 && options.random() < options.exploration)
        return candidates[Math.floor(options.random() * candidates.length) % candidates.length]!
      let best = candidates[0]!
      let bestLatency = Infinity
      for (const candidate of candidates) {
        const latency = context.latency(candidate.id) ?? -1
        if (latency < bestLatency) {
          best = candidate
          bestLatency = latency
        }
      }
      return best
    },
  }
}

/** Exponentially weighted moving average; `alpha` is the weight of the newest sample. */
export function nextEwma(previous: number | null, sample: number, alpha = 0.3): number {
  return previous === null ? sample : previous + alpha * (sample - previous)
}
