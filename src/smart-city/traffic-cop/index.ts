import type { PlatformService } from '../../kernel/lifecycle.js'
import type { SqlMigration } from '../../ports/sql-database.js'
import type { TrafficCopDeps, TrafficCopModule } from './module.js'
import { type LoadBalancing, createLoadBalancingModule, instancesMigration } from './load-balancing/index.js'
import {
  type TrafficAnalytics,
  createTrafficAnalytics,
  trafficAnalyticsMigration,
} from './analytics/index.js'
import { type StatePromotion, createStatePromotion, promotionMigration } from './promotion/index.js'
import { type RateLimits, createRateLimitsModule, rateLimitsMigration } from './rate-limits/index.js'
import {
  type SessionState,
  type Sessions,
  createSessionsModule,
  sessionsMigration,
} from './sessions/index.js'
import { type RealtimeHub, createRealtimeHub } from './realtime/hub.js'

export type { TrafficCopDeps } from './module.js'

export const trafficCopVersion = '1.0.0'

/**
 * The Traffic Cop: sessions and their versioned state with real-time delivery, state promotion, rate limiting,
 * load balancing with the gateway proxy, and traffic analytics. Each capability is a module in its own folder;
 * this file composes them (add a module in the three marked lists) and runs their lifecycles in order.
 */
export interface TrafficCop {
  readonly deps: TrafficCopDeps
  readonly loadBalancing: LoadBalancing
  readonly analytics: TrafficAnalytics
  readonly promotion: StatePromotion
  readonly rateLimits: RateLimits
  readonly sessions: Sessions
  readonly state: SessionState
  readonly realtime: RealtimeHub
}

/** Every Traffic Cop migration, named `000N_traffic_cop_<module>`. */
export const trafficCopMigrations: SqlMigration[] = [
  instancesMigration,
  trafficAnalyticsMigration,
  promotionMigration,
  rateLimitsMigration,
  sessionsMigration,
]

export function createTrafficCopService(deps: TrafficCopDeps): {
  trafficCop: TrafficCop
  service: PlatformService
} {
  const sessionsPart = createSessionsModule(deps)
  const realtime = createRealtimeHub(deps, sessionsPart.sessions, sessionsPart.state)
  const analyticsPart = createTrafficAnalytics(deps)
  const promotion = createStatePromotion(deps)
  const rateLimitsPart = createRateLimitsModule(deps)
  const loadBalancingPart = createLoadBalancingModule(deps)
  const trafficCop: TrafficCop = {
    deps,
    loadBalancing: loadBalancingPart.loadBalancing,
    analytics: analyticsPart.analytics,
    promotion,
    rateLimits: rateLimitsPart.rateLimits,
    sessions: sessionsPart.sessions,
    state: sessionsPart.state,
    realtime,
  }
  const modules: Record<string, TrafficCopModule> = {
    loadBalancing: loadBalancingPart.module,
    analytics: analyticsPart.module,
    promotion,
    rateLimits: rateLimitsPart.module,
    sessions: sessionsPart.module,
    realtime: {
      start: () => realtime.start(),
      stop: () => realtime.stop(),
      health: () => Promise.resolve(realtime.stats()),
    },
  }

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
