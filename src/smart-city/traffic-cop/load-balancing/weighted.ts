import type { Strategy } from './strategy.js'

/**
 * Smooth weighted round-robin (as in nginx): each pick adds every weight to its instance's running score, takes the
 * highest and subtracts the total from it. Over one cycle of sum(weights) picks each instance gets exactly its
 * weight, interleaved rather than in bursts.
 */
export function createWeighted(): Strategy {
  let scores = new Map<string, number>()
  return {
    pick(candidates) {
      const next = new Map<string, number>()
      let total = 0
      let best: { id: string; weight: number } | undefined
      let bestScore = -Infinity
      for (const candidate of candidates) {
        const weight = Math.max(candidate.weight, 1)
        const score = (scores.get(candidate.id) ?? 0) + weight
        next.set(candidate.id, score)
        total += weight
        if (score > bestScore) {
          best = candidate
          bestScore = score
        }
      }
      next.set(best!.id, bestScore - total)
      scores = next
      return best!
    },
  }
}
