import type { FastifyReply, FastifyRequest } from 'fastify'
import { isPlatformError } from '../../../kernel/errors.js'
import type { Principal } from '../../../kernel/principal.js'
import { checkUpstreamUrl, guardedLookup } from '../../curator/instances/address-policy.js'
import type { InstanceRegistry } from '../../curator/instances/instance-registry.js'
import type { InstanceInput, StrategyName } from '../../curator/instances/instance.js'
import type {
  ExternalServiceDirectory,
  ExternalServiceView,
  InstanceView,
} from '../../curator/instances/schemas.js'
import type { TrafficCopDeps } from '../module.js'
import type { Balancer, ExternalServiceState, InstanceState } from './balancer.js'
import { loadBalancingErrors } from './errors.js'
import { forward, hasBody } from './proxy.js'

/**
 * Tenant-scoped administration of external services and the proxy entry point. Registration checks URLs against
 * the SSRF policy; another tenant's service or instance is not found.
 */
export interface LoadBalancing extends ExternalServiceDirectory {
  register(principal: Principal, name: string, input: InstanceInput): Promise<InstanceView>
  deregister(principal: Principal, name: string, id: string): Promise<void>
  heartbeat(principal: Principal, name: string, id: string): Promise<InstanceView>
  setStrategy(principal: Principal, name: string, strategy: StrategyName): Promise<ExternalServiceView>
  proxy(request: FastifyRequest, reply: FastifyReply, name: string, path: string): Promise<void>
}

export interface LoadBalancingParts {
  deps: TrafficCopDeps
  registry: InstanceRegistry
  balancer: Balancer
}

/**
 * A request whose connection to the chosen instance failed (nothing was answered) goes to another instance, at most
 * this many more times, unless it has a body: that was streamed to the failed instance and cannot be sent again.
 * Timeouts are not retried (the instance may have acted on the request).
 */
const maxRetries = 2

function retriable(error: unknown, request: FastifyRequest): boolean {
  return isPlatformError(error) && error.code === 'UPSTREAM_UNREACHABLE' && !hasBody(request)
}

const iso = (ms: number) => new Date(ms).toISOString()

export function instanceView(state: InstanceState): InstanceView {
  return {
    id: state.id,
    url: state.url,
    weight: state.weight,
    healthUrl: state.healthUrl,
    capabilities: state.capabilities,
    registeredAt: iso(state.registeredAt),
    lastHeartbeatAt: iso(state.heartbeatAt),
    expiresAt: iso(state.expiresAt),
    health: state.health,
    circuit: state.circuit,
    available: state.available,
    inFlight: state.inFlight,
    latencyMs: state.latencyMs,
    consecutiveFailures: state.consecutiveFailures,
  }
}

const serviceView = (state: ExternalServiceState): ExternalServiceView => ({
  name: state.name,
  strategy: state.strategy,
  instances: state.instances.map(instanceView),
})

export function createLoadBalancingApi({ deps, registry, balancer }: LoadBalancingParts): LoadBalancing {
  const { trafficCop: settings } = deps.config
  const allowPrivate = settings.proxyAllowPrivateNetworks
  const lookup = guardedLookup(allowPrivate)

  async function describe(tenantId: string, name: string): Promise<ExternalServiceView | undefined> {
    const state = await balancer.describe(tenantId, name)
    return state && serviceView(state)
  }
  async function stateOf(tenantId: string, name: string, id: string): Promise<InstanceView> {
    const view = await describe(tenantId, name)
    const instance = view?.instances.find((i) => i.id === id)
    if (!instance) throw loadBalancingErrors.INSTANCE_NOT_FOUND({ id, name })
    return instance
  }

  return {
    describe,
    async list(tenantId) {
      const services = await registry.services(tenantId)
      const views = await Promise.all(services.map((s) => describe(tenantId, s.name)))
      return views.filter((v): v is ExternalServiceView => v !== undefined)
    },
    async register(principal, name, input) {
      if (deps.curator.find(name)) throw loadBalancingErrors.SERVICE_NAME_RESERVED({ name })
      await checkUpstreamUrl(input.url, allowPrivate)
      if (input.healthUrl !== undefined) await checkUpstreamUrl(input.healthUrl, allowPrivate)
      const instance = await registry.register(principal.tenantId, name, input)
      balancer.invalidate(principal.tenantId, name)
      return stateOf(principal.tenantId, name, instance.id)
    },
    async deregister(principal, name, id) {
      await registry.deregister(principal.tenantId, name, id)
      balancer.invalidate(principal.tenantId, name)
    },
    async heartbeat(principal, name, id) {
      await registry.heartbeat(principal.tenantId, name, id)
      balancer.invalidate(principal.tenantId, name)
      return stateOf(principal.tenantId, name, id)
    },
    async setStrategy(principal, name, strategy) {
      if (!(await registry.service(principal.tenantId, name)))
        throw loadBalancingErrors.EXTERNAL_SERVICE_NOT_FOUND({ name })
      await registry.setStrategy(principal.tenantId, name, strategy)
      balancer.invalidate(principal.tenantId, name)
      return (await describe(principal.tenantId, name))!
    },
    async proxy(request, reply, name, path) {
      const principal = request.principal!
      const header = request.headers['x-session-id']
      const key = (typeof header === 'string' && header !== '' ? header : null) ?? principal.sessionId
      const tried = new Set<string>()
      let firstFailure: unknown
      for (;;) {
        let lease
        try {
          lease = await balancer.choose(principal.tenantId, name, key, tried)
        } catch (error) {
          throw firstFailure ?? error
        }
        tried.add(lease.instance.id)
        try {
          const outcome = await forward(request, reply, {
            service: name,
            baseUrl: lease.instance.url,
            path,
            timeoutMs: settings.proxyTimeoutMs,
            lookup,
          })
          void outcome.done.then(() => lease.finish(outcome.ok, outcome.latencyMs))
          return
        } catch (error) {
          lease.finish(false, 0)
          firstFailure ??= error
          if (!retriable(error, request) || tried.size > maxRetries) throw firstFailure
        }
      }
    },
  }
}
