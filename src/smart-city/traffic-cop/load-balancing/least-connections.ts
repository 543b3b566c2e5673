import type { Strategy } from './strategy.js'

/** Fewest in-flight requests on this node, divided by weight; ties rotate so idle instances share the load. */
export function createLeastConnections(): Strategy {
  let rotation = 0
  return {
    pick(candidates, context) {
      const start = rotation++ % candidates.length
      let best = candidates[start]!
      let bestScore = Infinity
      for (let i = 0; i < candidates.length; i += 1) {
        const candidate = candidates[(start + i) % candidates.length]!
        const score = (context.inFlight(candidate.id) + 1) / Math.max(candidate.weight, 1)
        if (score < bestScore) {
          best = candidate
          bestScore = score
        }
      }
      return best
    },
  }
}
