import type { Clock } from '../../../kernel/clock.js'

/**
 * A per-instance circuit breaker over a rolling window of outcomes. Closed: requests flow; once the window holds at
 * least `minRequests` outcomes and the failure ratio reaches `failureRatio`, it opens. Open: nothing is sent until
 * `openMs` has passed, then it is half-open. Half-open: exactly one trial request at a time; its success closes the
 * circuit (with a fresh window), its failure opens it again.
 */
export type CircuitState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  failureRatio: number
  minRequests: number
  windowMs: number
  openMs: number
}

export interface CircuitBreaker {
  state(): CircuitState
  /** Whether a request may be sent now, without reserving anything. */
  available(): boolean
  /** Reserves the right to send one request; false when the circuit refuses it. */
  tryAcquire(): boolean
  onSuccess(): void
  onFailure(): void
  /** Back to closed with an empty window (the instance was readmitted after an ejection). */
  reset(): void
}

export const defaultCircuitOptions: CircuitBreakerOptions = {
  failureRatio: 0.5,
  minRequests: 5,
  windowMs: 30_000,
  openMs: 10_000,
}

export function createCircuitBreaker(clock: Clock, options: CircuitBreakerOptions): CircuitBreaker {
  let current: CircuitState = 'closed'
  let openedAt = 0
  let trialInFlight = false
  let outcomes: { at: number; failed: boolean }[] = []

  const refresh = (): CircuitState => {
    if (current === 'open' && clock.now() - openedAt >= options.openMs) {
      current = 'half-open'
      trialInFlight = false
    }
    return current
  }
  const open = () => {
    current = 'open'
    openedAt = clock.now()
    trialInFlight = false
    outcomes = []
  }
  const record = (failed: boolean) => {
    const now = clock.now()
    outcomes = outcomes.filter((o) => now - o.at < options.windowMs)
    outcomes.push({ at: now, failed })
    const failures = outcomes.filter((o) => o.failed).length
    if (outcomes.length >= options.minRequests && failures / outcomes.length >= options.failureRatio) open()
  }

  return {
    state: refresh,
    available() {
      const state = refresh()
      return state === 'closed' || (state === 'half-open' && !trialInFlight)
    },
    tryAcquire() {
      const state = refresh()
      if (state === 'closed') return true
      if (state === 'open' || trialInFlight) return false
      trialInFlight = true
      return true
    },
    onSuccess() {
      if (refresh() === 'half-open') {
        current = 'closed'
        trialInFlight = false
        outcomes = []
        return
      }
      if (current === 'closed') record(false)
    },
    reset() {
      current = 'closed'
      trialInFlight = false
      outcomes = []
    },
    onFailure() {
      const state = refresh()
      if (state === 'half-open') open()
      else if (state === 'closed') record(true)
    },
  }
}
