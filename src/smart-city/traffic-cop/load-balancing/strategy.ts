import type { StrategyName } from '../../curator/instances/instance.js'
import { createConsistentHash } from './consistent-hash.js'
import { createLatencyStrategy } from './latency.js'
import { createLeastConnections } from './least-connections.js'
import { createRoundRobin } from './round-robin.js'
import { createWeighted } from './weighted.js'

export interface Candidate {
  id: string
  weight: number
}

/** What a strategy may know about instances, as measured on this node. */
export interface PickContext {
  /** The affinity key (consistent hash); null when the request carries none. */
  key: string | null
  inFlight(id: string): number
  /** EWMA of response times in ms; null before the first sample. */
  latency(id: string): number | null
  /** Every registered instance, available or not, in registry order (the hash ring is built on these). */
  registered: readonly Candidate[]
}

/**
 * Picks one of the available candidates (never empty; in registry order). A strategy instance belongs to one
 * service on one node and may keep state between picks.
 */
export interface Strategy {
  pick(candidates: readonly Candidate[], context: PickContext): Candidate
}

export interface StrategyOptions {
  random: () => number
}

export function createStrategy(name: StrategyName, options: StrategyOptions): Strategy {
  const factories = {
    'round-robin': () => createRoundRobin(),
    'least-connections': () => createLeastConnections(),
    weighted: () => createWeighted(),
    latency: () => createLatencyStrategy({ random: options.random, exploration: 0.05 }),
    'consistent-hash': () => createConsistentHash({ virtualNodes: 160, random: options.random }),
  } satisfies Record<StrategyName, () => Strategy>
  return factories[name]()
}
