import type { Clock } from '../../kernel/clock.js'
import type { Logger } from '../../kernel/logger.js'
import type { PlatformService } from '../../kernel/lifecycle.js'
import type { Curator } from '../curator/curator.js'
import { cityManagerErrors } from './errors.js'
import { startOrder } from './start-order.js'

/**
 * Starts every service in dependency order, registering each with the Curator once it runs, and stops them in
 * reverse. A failed start stops what already started (reverse order) and rethrows. `stopAll` keeps going past a
 * failing stop so every service gets its chance to close, then reports the first failure.
 */
export type ServiceState = 'pending' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'
export type CityState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

export interface ServiceStatus {
  name: string
  realm: string
  state: ServiceState
  startedAt: number | null
  stoppedAt: number | null
  error: string | null
}

export interface CityManager {
  readonly state: CityState
  startAll(): Promise<void>
  stopAll(): Promise<void>
  status(): ServiceStatus[]
}

export interface CityManagerDeps {
  clock: Clock
  logger: Logger
  curator: Curator
  services: PlatformService[]
}

export function createCityManager(deps: CityManagerDeps): CityManager {
  const ordered = startOrder(deps.services.map((s) => s.descriptor)).map((d) =>
    deps.services.find((s) => s.descriptor === d)!,
  )
  const statuses = new Map<string, ServiceStatus>(
    ordered.map((s) => [
      s.descriptor.name,
      {
        name: s.descriptor.name,
        realm: s.descriptor.realm,
        state: 'pending',
        startedAt: null,
        stoppedAt: null,
        error: null,
      },
    ]),
  )
  let state: CityState = 'idle'
  const statusOf = (service: PlatformService) => statuses.get(service.descriptor.name)!

  async function stopService(service: PlatformService): Promise<unknown> {
    const status = statusOf(service)
    if (status.state !== 'running' && status.state !== 'starting') return undefined
    status.state = 'stopping'
    deps.curator.deregister(service.descriptor.name)
    try {
      await service.stop?.()
      status.state = 'stopped'
      status.stoppedAt = deps.clock.now()
      return undefined
    } catch (error) {
      status.state = 'failed'
      status.error = error instanceof Error ? error.message : String(error)
      deps.logger.error({ err: error, service: service.descriptor.name }, 'service failed to stop')
      return error
    }
  }

  async function stopInReverse(): Promise<void> {
    let firstFailure: unknown
    for (const service of [...ordered].reverse()) {
      const failure = await stopService(service)
      firstFailure ??= failure
    }
    if (firstFailure !== undefined) {
      throw firstFailure instanceof Error
        ? firstFailure
        : new Error('a service failed to stop', { cause: firstFailure })
    }
  }

  return {
    get state() {
      return state
    },
    async startAll() {
      if (state !== 'idle' && state !== 'stopped')
        throw new Error(`City Manager cannot start from state ${state}`)
      state = 'starting'
      for (const service of ordered) {
        const status = statusOf(service)
        status.state = 'starting'
        status.error = null
        try {
          await service.start?.()
          deps.curator.register(service)
          status.state = 'running'
          status.startedAt = deps.clock.now()
          deps.logger.debug({ service: service.descriptor.name }, 'service started')
        } catch (error) {
          status.state = 'failed'
          status.error = error instanceof Error ? error.message : String(error)
          deps.logger.error({ err: error, service: service.descriptor.name }, 'service failed to start')
          await stopInReverse().catch(() => undefined)
          state = 'failed'
          throw cityManagerErrors.CITY_START_FAILED({ name: service.descriptor.name }, error)
        }
      }
      state = 'running'
    },
    async stopAll() {
      if (state === 'stopped' || state === 'idle') return
      state = 'stopping'
      try {
        await stopInReverse()
      } finally {
        state = 'stopped'
      }
    },
    status: () => ordered.map((s) => ({ ...statusOf(s) })),
  }
}
