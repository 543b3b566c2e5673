import type { Strategy } from './strategy.js'

export function createRoundRobin(): Strategy {
  let next = 0
  return {
    pick(candidates) {
      const chosen = candidates[next % candidates.length]!
      next = (next + 1) % 1_000_000_007
      return chosen
    },
  }
}
