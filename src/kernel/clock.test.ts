import { describe, expect, it } from 'vitest'
import { createManualClock, createSystemClock } from './clock.js'

describe('clocks', () => {
  it('a manual clock moves only when told and fires due timers in due order', () => {
    const clock = createManualClock(1000)
    const fired: string[] = []
    clock.setTimer(50, () => fired.push('b'))
    clock.setTimer(10, () => fired.push('a'))
    const cancelled = clock.setTimer(20, () => fired.push('never'))
    cancelled.cancel()
    expect(clock.now()).toBe(1000)
    clock.advance(9)
    expect(fired).toEqual([])
    clock.advance(41)
    expect(fired).toEqual(['a', 'b'])
    expect(clock.now()).toBe(1050)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('a callback sees its due time, and a timer it sets fires in the same advance when due', () => {
    const clock = createManualClock(0)
    const fired: number[] = []
    clock.setTimer(10, () => {
      fired.push(clock.now())
      clock.setTimer(5, () => fired.push(clock.now()))
    })
    clock.advance(100)
    expect(fired).toEqual([10, 15])
    expect(clock.now()).toBe(100)
  })

  it('a manual clock never goes back', () => {
    const clock = createManualClock(100)
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => clock.set(99)).toThrow(RangeError)
  })

  it('the system clock follows real time and fires real timers', async () => {
    const clock = createSystemClock()
    const before = Date.now()
    expect(clock.now()).toBeGreaterThanOrEqual(before)
    await new Promise<void>((resolve) => clock.setTimer(5, resolve))
  })
})
