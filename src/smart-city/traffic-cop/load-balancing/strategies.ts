import type { StrategyName } from '../../curator/instances/instance.js'
import { createConsistentHash } from './consistent-hash.js'
import { createLatencyStrategy } from './latency.js'
import { createLeastConnections } from './least-connections.js'
import { createRoundRobin } from './round-robin.js'
import type { Strategy } from './strategy.js'
import { createWeighted } from './weighted.js'

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
