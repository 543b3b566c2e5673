import type { Clock } from '../../../kernel/clock.js'
import type { LookupFunction } from 'node:net'
import type { InstanceRegistry } from '../../curator/instances/instance-registry.js'
import type { ServiceInstance, StrategyName } from '../../curator/instances/instance.js'
import { loadBalancingErrors } from './errors.js'
import { createInstanceHealth, type HealthOptions, type InstanceHealth } from './instance-health.js'
import { probe } from './probe.js'
import { createStrategy } from './strategies.js'
import type { Strategy } from './strategy.js'

/**
 * Chooses an instance of a tenant's external service for each proxied request. Instance lists come from the shared
 * registry, cached per service for `cacheMs` (local changes invalidate at once); health, circuits, in-flight counts
 * and latencies are this node's own observations. A lease must be finished exactly once with the outcome.
 */
export interface Balancer {
  /** An instance for one request, never one in `exclude` (those a retry already tried). */
  choose(tenantId: string, service: string, key: string | null, exclude?: ReadonlySet<string>): Promise<Lease>
  describe(tenantId: string, service: string): Promise<ExternalServiceState | undefined>
  invalidate(tenantId: string, service: string): void
  /** One round of active checks and readmission probes over every live instance. */
  checkAll(): Promise<void>
}

export interface Lease {
  instance: ServiceInstance
  finish(ok: boolean, latencyMs: number): void
}

export interface InstanceState extends ServiceInstance {
  health: ReturnType<InstanceHealth['status']>
  circuit: ReturnType<InstanceHealth['breaker']['state']>
  available: boolean
  inFlight: number
  latencyMs: number | null
  consecutiveFailures: number
}

export interface ExternalServiceState {
  name: string
  strategy: StrategyName
  instances: InstanceState[]
}

export interface BalancerDeps {
  registry: InstanceRegistry
  clock: Clock
  health: HealthOptions
  probeTimeoutMs: number
  lookup: LookupFunction | undefined
  nextId: () => string
  cacheMs?: number
  random?: () => number
  probeConcurrency?: number
}

interface CachedService {
  strategy: StrategyName
  instances: ServiceInstance[]
  fetchedAt: number
}

export function createBalancer(deps: BalancerDeps): Balancer {
  const cacheMs = deps.cacheMs ?? 1000
  const random = deps.random ?? Math.random
  const cache = new Map<string, CachedService>()
  const strategies = new Map<string, { name: StrategyName; strategy: Strategy }>()
  const healths = new Map<string, InstanceHealth>()
  const keyOf = (tenantId: string, service: string) => `${tenantId}\u0000${service}`

  const healthOf = (id: string): InstanceHealth => {
    let health = healths.get(id)
    if (!health) {
      health = createInstanceHealth(deps.clock, deps.health)
      healths.set(id, health)
    }
    return health
  }

  async function load(tenantId: string, service: string): Promise<CachedService | undefined> {
    const key = keyOf(tenantId, service)
    const cached = cache.get(key)
    const now = deps.clock.now()
    if (cached && now - cached.fetchedAt < cacheMs) {
      const live = cached.instances.filter((i) => i.expiresAt > now)
      return { ...cached, instances: live }
    }
    const config = await deps.registry.service(tenantId, service)
    if (!config) {
      cache.delete(key)
      return undefined
    }
    const fresh = {
      strategy: config.strategy,
      instances: await deps.registry.instances(tenantId, service),
      fetchedAt: now,
    }
    cache.set(key, fresh)
    return fresh
  }

  function strategyFor(key: string, name: StrategyName): Strategy {
    const current = strategies.get(key)
    if (current?.name === name) return current.strategy
    const strategy = createStrategy(name, { random })
    strategies.set(key, { name, strategy })
    return strategy
  }

  const stateOf = (instance: ServiceInstance): InstanceState => {
    const health = healthOf(instance.id)
    return {
      ...instance,
      health: health.status(),
      circuit: health.breaker.state(),
      available: health.available(),
      inFlight: health.inFlight,
      latencyMs: health.latencyMs === null ? null : Math.round(health.latencyMs),
      consecutiveFailures: health.consecutiveFailures,
    }
  }

  return {
    async choose(tenantId, service, key, exclude) {
      const loaded = await load(tenantId, service)
      if (!loaded) throw loadBalancingErrors.EXTERNAL_SERVICE_NOT_FOUND({ name: service })
      const registered = loaded.instances.map((i) => ({ id: i.id, weight: i.weight }))
      const strategy = strategyFor(keyOf(tenantId, service), loaded.strategy)
      const context = {
        key,
        registered,
        inFlight: (id: string) => healthOf(id).inFlight,
        latency: (id: string) => healthOf(id).latencyMs,
      }
      let candidates = registered.filter((c) => !exclude?.has(c.id) && healthOf(c.id).available())
      // A half-open circuit admits one trial; if another request took it meanwhile, pick again without it.
      while (candidates.length > 0) {
        const picked = strategy.pick(candidates, context)
        const health = healthOf(picked.id)
        if (health.breaker.tryAcquire()) {
          health.inFlight += 1
          let finished = false
          return {
            instance: loaded.instances.find((i) => i.id === picked.id)!,
            finish(ok, latencyMs) {
              if (finished) return
              finished = true
              health.inFlight -= 1
              if (ok) health.recordSuccess(latencyMs)
              else health.recordFailure()
            },
          }
        }
        candidates = candidates.filter((c) => c.id !== picked.id)
      }
      throw loadBalancingErrors.NO_INSTANCE_AVAILABLE({ name: service })
    },
    async describe(tenantId, service) {
      const config = await deps.registry.service(tenantId, service)
      if (!config) return undefined
      const instances = await deps.registry.instances(tenantId, service)
      return { name: service, strategy: config.strategy, instances: instances.map(stateOf) }
    },
    invalidate(tenantId, service) {
      cache.delete(keyOf(tenantId, service))
    },
    async checkAll() {
      const live = await deps.registry.allLive(10_000)
      const liveIds = new Set(live.map((i) => i.id))
      for (const id of healths.keys()) if (!liveIds.has(id)) healths.delete(id)
      const due = live.filter((i) => i.healthUrl !== null || healthOf(i.id).awaitingProbe())
      const concurrency = deps.probeConcurrency ?? 10
      for (let start = 0; start < due.length; start += concurrency) {
        await Promise.all(
          due.slice(start, start + concurrency).map(async (instance) => {
            const ok = await probe(instance.healthUrl ?? instance.url, {
              timeoutMs: deps.probeTimeoutMs,
              lookup: deps.lookup,
              requestId: deps.nextId(),
            })
            healthOf(instance.id).recordProbe(ok)
          }),
        )
      }
    },
  }
}
