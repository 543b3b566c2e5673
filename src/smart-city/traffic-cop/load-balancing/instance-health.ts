import type { Clock } from '../../../kernel/clock.js'
import { type CircuitBreaker, type CircuitBreakerOptions, createCircuitBreaker } from './circuit-breaker.js'
import { nextEwma } from './latency.js'

/**
 * What this node knows about one instance: in-flight requests, latency EWMA, active-check result, passive ejection
 * and its circuit breaker. Passive ejection: `ejectAfterFailures` consecutive failures (5xx, connection errors,
 * timeouts) take the instance out for a backoff that doubles with each ejection (capped); after it, the instance
 * comes back only when a probe succeeds.
 */
export interface HealthOptions {
  ejectAfterFailures: number
  ejectionBaseMs: number
  ejectionMaxMs: number
  circuit: CircuitBreakerOptions
}

export type HealthStatus = 'healthy' | 'unhealthy' | 'ejected' | 'unknown'

export interface InstanceHealth {
  inFlight: number
  latencyMs: number | null
  consecutiveFailures: number
  readonly breaker: CircuitBreaker
  status(): HealthStatus
  /** Whether the balancer may pick it now (not ejected, not failing active checks, circuit not refusing). */
  available(): boolean
  /** Whether its ejection backoff is over and a probe should decide readmission. */
  awaitingProbe(): boolean
  recordSuccess(latencyMs: number): void
  recordFailure(): void
  recordProbe(ok: boolean): void
}

export function createInstanceHealth(clock: Clock, options: HealthOptions): InstanceHealth {
  let ejectedUntil: number | null = null
  let ejections = 0
  let activeOk: boolean | null = null
  const breaker = createCircuitBreaker(clock, options.circuit)

  const eject = () => {
    ejections += 1
    const backoff = Math.min(options.ejectionBaseMs * 2 ** (ejections - 1), options.ejectionMaxMs)
    ejectedUntil = clock.now() + backoff
  }

  const health: InstanceHealth = {
    inFlight: 0,
    latencyMs: null,
    consecutiveFailures: 0,
    breaker,
    status() {
      if (ejectedUntil !== null) return 'ejected'
      if (activeOk === false) return 'unhealthy'
      return activeOk === true || health.latencyMs !== null ? 'healthy' : 'unknown'
    },
    available: () => ejectedUntil === null && activeOk !== false && breaker.available(),
    awaitingProbe: () => ejectedUntil !== null && clock.now() >= ejectedUntil,
    recordSuccess(latencyMs) {
      health.consecutiveFailures = 0
      health.latencyMs = nextEwma(health.latencyMs, latencyMs)
      breaker.onSuccess()
    },
    recordFailure() {
      health.consecutiveFailures += 1
      breaker.onFailure()
      if (ejectedUntil === null && health.consecutiveFailures >= options.ejectAfterFailures) eject()
    },
    recordProbe(ok) {
      activeOk = ok
      if (ejectedUntil === null) return
      if (!ok) {
        if (clock.now() >= ejectedUntil) eject()
        return
      }
      if (clock.now() < ejectedUntil) return
      ejectedUntil = null
      ejections = 0
      health.consecutiveFailures = 0
      health.latencyMs = null
      breaker.reset()
    },
  }
  return health
}
