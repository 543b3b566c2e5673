import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import { createCircuitBreaker } from '../../src/smart-city/traffic-cop/load-balancing/circuit-breaker.js'
import { createInstanceHealth } from '../../src/smart-city/traffic-cop/load-balancing/instance-health.js'
import { createStrategy } from '../../src/smart-city/traffic-cop/load-balancing/strategies.js'
import type { Candidate, PickContext } from '../../src/smart-city/traffic-cop/load-balancing/strategy.js'

const three: Candidate[] = [
  { id: 'a', weight: 3 },
  { id: 'b', weight: 1 },
  { id: 'c', weight: 1 },
]

function context(overrides: Partial<PickContext> = {}): PickContext {
  return { key: null, registered: three, inFlight: () => 0, latency: () => null, ...overrides }
}

function tally(picks: string[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const id of picks) counts[id] = (counts[id] ?? 0) + 1
  return counts
}

describe('load-balancing strategies', () => {
  it('round-robin cycles in order, exactly evenly', () => {
    const strategy = createStrategy('round-robin', { random: Math.random })
    const picks = Array.from({ length: 30 }, () => strategy.pick(three, context()).id)
    expect(picks.slice(0, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c'])
    expect(tally(picks)).toEqual({ a: 10, b: 10, c: 10 })
  })

  it('weighted is smooth and exact over each cycle of sum(weights)', () => {
    const strategy = createStrategy('weighted', { random: Math.random })
    const picks = Array.from({ length: 50 }, () => strategy.pick(three, context()).id)
    for (let cycle = 0; cycle < 10; cycle += 1)
      expect(tally(picks.slice(cycle * 5, cycle * 5 + 5))).toEqual({ a: 3, b: 1, c: 1 })
    expect(picks.slice(0, 5)).toEqual(['a', 'b', 'a', 'c', 'a'])
  })

  it('least-connections picks the fewest in-flight and rotates ties', () => {
    const strategy = createStrategy('least-connections', { random: Math.random })
    const equal = three.map((c) => ({ ...c, weight: 1 }))
    const busy: Record<string, number> = { a: 5, b: 0, c: 2 }
    expect(strategy.pick(equal, context({ inFlight: (id) => busy[id]! })).id).toBe('b')
    const idle = Array.from({ length: 9 }, () => strategy.pick(equal, context()).id)
    expect(tally(idle)).toEqual({ a: 3, b: 3, c: 3 })
  })

  it('latency picks the lowest EWMA, tries unmeasured first, and explores sometimes', () => {
    let roll = 0.99
    const strategy = createStrategy('latency', { random: () => roll })
    const latencies: Record<string, number | null> = { a: 40, b: 10, c: 25 }
    expect(strategy.pick(three, context({ latency: (id) => latencies[id]! })).id).toBe('b')
    latencies['c'] = null
    expect(strategy.pick(three, context({ latency: (id) => latencies[id]! })).id).toBe('c')
    latencies['c'] = 25
    roll = 0.01
    expect(strategy.pick(three, context({ latency: (id) => latencies[id]! })).id).toBe('a')
  })

  it('consistent-hash keeps a key on one instance and moves only the removed instance keys', () => {
    const strategy = createStrategy('consistent-hash', { random: Math.random })
    const keys = Array.from({ length: 300 }, (_, i) => `session-${i}`)
    const before = new Map(keys.map((key) => [key, strategy.pick(three, context({ key })).id]))
    for (const key of keys.slice(0, 20))
      expect(strategy.pick(three, context({ key })).id).toBe(before.get(key))
    expect(Object.keys(tally([...before.values()])).sort()).toEqual(['a', 'b', 'c'])
    const two = three.filter((c) => c.id !== 'b')
    for (const key of keys) {
      const after = strategy.pick(two, context({ key, registered: two })).id
      if (before.get(key) !== 'b') expect(after).toBe(before.get(key))
    }
  })

  it('consistent-hash skips an unavailable owner without reshuffling other keys', () => {
    const strategy = createStrategy('consistent-hash', { random: Math.random })
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`)
    const before = new Map(keys.map((key) => [key, strategy.pick(three, context({ key })).id]))
    const available = three.filter((c) => c.id !== 'a')
    for (const key of keys) {
      const after = strategy.pick(available, context({ key })).id
      if (before.get(key) !== 'a') expect(after).toBe(before.get(key))
      else expect(after).not.toBe('a')
    }
  })
})

describe('circuit breaker', () => {
  const options = { failureRatio: 0.5, minRequests: 4, windowMs: 10_000, openMs: 5_000 }

  it('opens at the failure ratio, half-opens after openMs with one trial, then closes on success', () => {
    const clock = createManualClock()
    const breaker = createCircuitBreaker(clock, options)
    breaker.onSuccess()
    breaker.onFailure()
    breaker.onSuccess()
    expect(breaker.state()).toBe('closed')
    breaker.onFailure()
    expect(breaker.state()).toBe('open')
    expect(breaker.tryAcquire()).toBe(false)
    clock.advance(4_999)
    expect(breaker.available()).toBe(false)
    clock.advance(1)
    expect(breaker.state()).toBe('half-open')
    expect(breaker.tryAcquire()).toBe(true)
    expect(breaker.tryAcquire()).toBe(false)
    breaker.onSuccess()
    expect(breaker.state()).toBe('closed')
    expect(breaker.tryAcquire()).toBe(true)
  })

  it('a failed trial opens it again for another openMs', () => {
    const clock = createManualClock()
    const breaker = createCircuitBreaker(clock, options)
    for (let i = 0; i < 4; i += 1) breaker.onFailure()
    expect(breaker.state()).toBe('open')
    clock.advance(5_000)
    expect(breaker.tryAcquire()).toBe(true)
    breaker.onFailure()
    expect(breaker.state()).toBe('open')
    clock.advance(4_000)
    expect(breaker.state()).toBe('open')
    clock.advance(1_000)
    expect(breaker.state()).toBe('half-open')
  })

  it('old outcomes leave the window', () => {
    const clock = createManualClock()
    const breaker = createCircuitBreaker(clock, options)
    breaker.onFailure()
    breaker.onFailure()
    breaker.onFailure()
    clock.advance(10_000)
    breaker.onSuccess()
    breaker.onSuccess()
    breaker.onSuccess()
    breaker.onFailure()
    expect(breaker.state()).toBe('closed')
  })
})

describe('passive ejection', () => {
  const options = {
    ejectAfterFailures: 3,
    ejectionBaseMs: 1_000,
    ejectionMaxMs: 4_000,
    circuit: { failureRatio: 1, minRequests: 100, windowMs: 1_000, openMs: 1_000 },
  }

  it('ejects after N consecutive failures and readmits only on a successful probe after the backoff', () => {
    const clock = createManualClock()
    const health = createInstanceHealth(clock, options)
    health.recordFailure()
    health.recordFailure()
    health.recordSuccess(5)
    health.recordFailure()
    health.recordFailure()
    expect(health.available()).toBe(true)
    health.recordFailure()
    expect(health.status()).toBe('ejected')
    expect(health.available()).toBe(false)
    health.recordProbe(true)
    expect(health.status()).toBe('ejected')
    clock.advance(1_000)
    expect(health.awaitingProbe()).toBe(true)
    health.recordProbe(false)
    clock.advance(1_000)
    expect(health.awaitingProbe()).toBe(false)
    clock.advance(1_000)
    health.recordProbe(true)
    expect(health.status()).toBe('healthy')
    expect(health.available()).toBe(true)
  })

  it('a failing active check takes an instance out until a check passes', () => {
    const health = createInstanceHealth(createManualClock(), options)
    health.recordProbe(false)
    expect(health.status()).toBe('unhealthy')
    expect(health.available()).toBe(false)
    health.recordProbe(true)
    expect(health.available()).toBe(true)
  })
})
