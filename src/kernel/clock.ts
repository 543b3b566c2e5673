/**
 * Time goes through a Clock so tests can move it. `now()` is epoch milliseconds. Timers scheduled through the
 * clock fire when real time passes (system clock) or when `advance`/`set` crosses their due time (manual clock).
 */
export interface Clock {
  now(): number
  setTimer(delayMs: number, callback: () => void): TimerHandle
}

export interface TimerHandle {
  cancel(): void
}

export function createSystemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimer(delayMs, callback) {
      const timer = setTimeout(callback, Math.max(0, delayMs))
      timer.unref()
      return { cancel: () => clearTimeout(timer) }
    },
  }
}

export interface ManualClock extends Clock {
  advance(ms: number): void
  set(epochMs: number): void
  pendingTimers(): number
}

interface ManualTimer {
  dueAt: number
  seq: number
  callback: () => void
}

export function createManualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let current = startMs
  let seq = 0
  let timers: ManualTimer[] = []

  /** Moves to `target` stopping at each due timer, so a callback sees its own due time as `now()`. */
  function moveTo(target: number): void {
    for (;;) {
      const due = timers
        .filter((t) => t.dueAt <= target)
        .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq)[0]
      if (!due) break
      timers = timers.filter((t) => t !== due)
      current = Math.max(current, due.dueAt)
      due.callback()
    }
    current = target
  }

  return {
    now: () => current,
    setTimer(delayMs, callback) {
      const timer: ManualTimer = { dueAt: current + Math.max(0, delayMs), seq: seq++, callback }
      timers.push(timer)
      return { cancel: () => (timers = timers.filter((t) => t !== timer)) }
    },
    advance(ms) {
      if (ms < 0) throw new RangeError('A manual clock only moves forward')
      moveTo(current + ms)
    },
    set(epochMs) {
      if (epochMs < current) throw new RangeError('A manual clock only moves forward')
      moveTo(epochMs)
    },
    pendingTimers: () => timers.length,
  }
}
