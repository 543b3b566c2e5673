import type { Clock, TimerHandle } from '../../../kernel/clock.js'

/**
 * Long-polling workers wait here until a task of one of their types is queued for their tenant (on any node, via
 * the hint channel) or their wait runs out. A hint only wakes a poller; it claims through the queue as usual.
 */
interface Waiter {
  tenantId: string
  types: ReadonlySet<string>
  wake: () => void
}

export function createTaskWaiters(clock: Clock) {
  const waiters = new Set<Waiter>()

  return {
    wait(tenantId: string, types: string[], ms: number): Promise<void> {
      return new Promise((resolve) => {
        const waiter: Waiter = {
          tenantId,
          types: new Set(types),
          wake: () => {
            timer.cancel()
            waiters.delete(waiter)
            resolve()
          },
        }
        waiters.add(waiter)
        const timer: TimerHandle = clock.setTimer(ms, waiter.wake)
      })
    },
    notify(tenants: string[], types: string[]): void {
      for (const waiter of [...waiters]) {
        if (tenants.includes(waiter.tenantId) && types.some((type) => waiter.types.has(type))) waiter.wake()
      }
    },
    closeAll(): void {
      for (const waiter of [...waiters]) waiter.wake()
    },
    size: () => waiters.size,
  }
}
