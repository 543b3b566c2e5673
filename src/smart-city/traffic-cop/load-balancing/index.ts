import { guardedLookup } from '../../curator/instances/address-policy.js'
import { createSqlInstanceRegistry } from '../../curator/instances/instance-registry.js'
import type { TrafficCopDeps, TrafficCopModule } from '../module.js'
import { defaultCircuitOptions } from './circuit-breaker.js'
import { createBalancer, type Balancer } from './balancer.js'
import { createLoadBalancingApi, type LoadBalancing } from './load-balancing.js'

export type { LoadBalancing } from './load-balancing.js'
export { instancesMigration } from '../../curator/instances/migration.js'

/**
 * Load balancing over tenants' external instances: the shared registry, this node's balancer, and the loop of
 * active health checks every SYMPHAINY_HEALTH_CHECK_INTERVAL_MS. It attaches itself to the Curator so service
 * views show the instances.
 */
export function createLoadBalancingModule(deps: TrafficCopDeps): {
  loadBalancing: LoadBalancing
  balancer: Balancer
  module: TrafficCopModule
} {
  const settings = deps.config.trafficCop
  const registry = createSqlInstanceRegistry({
    database: deps.database,
    clock: deps.clock,
    ttlSeconds: settings.instanceTtlSeconds,
  })
  const balancer = createBalancer({
    registry,
    clock: deps.clock,
    health: {
      ejectAfterFailures: 3,
      ejectionBaseMs: Math.min(settings.healthCheckIntervalMs, 5000),
      ejectionMaxMs: 60_000,
      circuit: defaultCircuitOptions,
    },
    probeTimeoutMs: Math.min(settings.healthCheckIntervalMs, settings.proxyTimeoutMs, 5000),
    lookup: guardedLookup(settings.proxyAllowPrivateNetworks),
    nextId: () => deps.ids.next('req'),
  })
  const loadBalancing = createLoadBalancingApi({ deps, registry, balancer })
  deps.curator.attachExternal(loadBalancing)

  let timer: { cancel(): void } | undefined
  let stopped = true
  const loop = () => {
    timer = deps.clock.setTimer(settings.healthCheckIntervalMs, () => {
      balancer
        .checkAll()
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'instance health checks failed'))
        .finally(() => {
          if (!stopped) loop()
        })
    })
  }
  const module: TrafficCopModule = {
    start() {
      stopped = false
      loop()
      return Promise.resolve()
    },
    stop() {
      stopped = true
      timer?.cancel()
      return Promise.resolve()
    },
    async health() {
      return { externalInstances: (await registry.allLive(10_000)).length }
    },
  }
  return { loadBalancing, balancer, module }
}
