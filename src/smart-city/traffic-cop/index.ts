import type { PlatformService } from '../../kernel/lifecycle.js'
import type { SqlMigration } from '../../ports/sql-database.js'
import type { TrafficCopDeps, TrafficCopModule } from './module.js'

export type { TrafficCopDeps } from './module.js'

export const trafficCopVersion = '1.0.0'

/**
 * The Traffic Cop: sessions and their versioned state with real-time delivery, state promotion, rate limiting,
 * load balancing with the gateway proxy, and traffic analytics. Each capability is a module in its own folder;
 * this file composes them (add a module in the three marked lists) and runs their lifecycles in order.
 */
export interface TrafficCop {
  readonly deps: TrafficCopDeps
}

/** Every Traffic Cop migration, named `000N_traffic_cop_<module>`. */
export const trafficCopMigrations: SqlMigration[] = []

export function createTrafficCopService(deps: TrafficCopDeps): {
  trafficCop: TrafficCop
  service: PlatformService
} {
  const trafficCop: TrafficCop = { deps }
  const modules: Record<string, TrafficCopModule> = {}

  const service: PlatformService = {
    descriptor: {
      name: 'traffic-cop',
      realm: 'smart-city',
      version: trafficCopVersion,
      capabilities: [
        'sessions',
        'session-state',
        'realtime',
        'rate-limiting',
        'load-balancing',
        'traffic-analytics',
        'state-promotion',
      ],
      dependsOn: ['curator', 'security-guard'],
    },
    async start() {
      for (const module of Object.values(modules)) await module.start?.()
    },
    async stop() {
      for (const module of Object.values(modules).reverse()) await module.stop?.()
    },
    async healthCheck() {
      const details: Record<string, unknown> = {}
      for (const [name, module] of Object.entries(modules))
        if (module.health) details[name] = await module.health()
      const stores = await Promise.allSettled([deps.keyValue.ping(), deps.pubSub.ping()])
      const down = stores.some((r) => r.status === 'rejected')
      details['stores'] = down ? 'key-value or pub/sub unreachable' : 'up'
      return { status: down ? 'unhealthy' : 'healthy', details }
    },
  }
  return { trafficCop, service }
}
