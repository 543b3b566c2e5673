import type { Clock } from '../../kernel/clock.js'
import type { HealthReport, PlatformService, ServiceDescriptor } from '../../kernel/lifecycle.js'
import { curatorErrors } from './errors.js'
import type { AgentDirectory } from './agent-directory.js'
import type { ExternalServiceDirectory } from './instances/schemas.js'

/**
 * The registry of platform services on this node: what each is, what it can do, and how healthy it is now.
 * Health checks run concurrently, each bounded by `healthTimeoutMs`; a check that throws or times out reads as
 * `unhealthy` with the reason in its details.
 */
export interface Curator {
  register(service: PlatformService): void
  deregister(name: string): void
  get(name: string): PlatformService
  find(name: string): PlatformService | undefined
  list(): ServiceDescriptor[]
  findByCapability(capability: string): PlatformService[]
  checkHealth(name: string): Promise<CheckedHealth>
  checkAll(): Promise<Record<string, CheckedHealth>>
  /** Tenants' external (load-balanced) services, once the Traffic Cop attaches their directory. */
  attachExternal(directory: ExternalServiceDirectory): void
  external(): ExternalServiceDirectory | undefined
  /** Tenants' registered agents, once the Post Office attaches their directory. */
  attachAgents(directory: AgentDirectory): void
  agents(): AgentDirectory | undefined
}

export interface CheckedHealth extends HealthReport {
  checkedAt: number
  latencyMs: number
}

export interface CuratorDeps {
  clock: Clock
  healthTimeoutMs?: number
}

const serviceNamePattern = /^[a-z][a-z0-9-]{1,62}$/

export function createCurator(deps: CuratorDeps): Curator {
  const services = new Map<string, PlatformService>()
  let externalDirectory: ExternalServiceDirectory | undefined
  let agentDirectory: AgentDirectory | undefined
  const timeoutMs = deps.healthTimeoutMs ?? 2000

  async function checkHealth(name: string): Promise<CheckedHealth> {
    const service = get(name)
    const startedAt = performance.now()
    const report = await withTimeout(service.healthCheck(), timeoutMs).catch(
      (error: unknown): HealthReport => ({
        status: 'unhealthy',
        details: { reason: error instanceof Error ? error.message : 'health check failed' },
      }),
    )
    return { ...report, checkedAt: deps.clock.now(), latencyMs: Math.round(performance.now() - startedAt) }
  }

  function get(name: string): PlatformService {
    const service = services.get(name)
    if (!service) throw curatorErrors.SERVICE_NOT_FOUND({ name })
    return service
  }

  return {
    register(service) {
      const { name } = service.descriptor
      if (!serviceNamePattern.test(name))
        throw new RangeError(`Service name "${name}" must match ${serviceNamePattern}`)
      if (services.has(name)) throw curatorErrors.SERVICE_ALREADY_REGISTERED({ name })
      services.set(name, service)
    },
    deregister(name) {
      services.delete(name)
    },
    get,
    find: (name) => services.get(name),
    list: () => [...services.values()].map((s) => s.descriptor),
    findByCapability: (capability) =>
      [...services.values()].filter((s) => s.descriptor.capabilities.includes(capability)),
    checkHealth,
    attachExternal(directory) {
      externalDirectory = directory
    },
    external: () => externalDirectory,
    attachAgents(directory) {
      agentDirectory = directory
    },
    agents: () => agentDirectory,
    async checkAll() {
      const names = [...services.keys()]
      const reports = await Promise.all(names.map((name) => checkHealth(name)))
      return Object.fromEntries(names.map((name, i) => [name, reports[i]!]))
    },
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`health check timed out after ${ms} ms`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
