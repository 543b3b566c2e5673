import type { TimerHandle } from '../../../kernel/clock.js'
import type { Principal } from '../../../kernel/principal.js'
import type { TrafficCopDeps, TrafficCopModule } from '../module.js'
import {
  createMinuteBuffer,
  minuteMs,
  minuteOf,
  type MinuteEntry,
  type TrafficSample,
} from './minute-buffer.js'
import { addMinutes, deleteMinutesBefore, readMinuteTotals, readRouteStatusTotals } from './minute-store.js'
import { buildReport, rangeMs, type TrafficRange, type TrafficReport } from './report.js'

/** Minute rows older than this are deleted on the flush timer; the longest range asked for is 7 days. */
export const retentionMs = 8 * 24 * 3_600_000

export interface TrafficAnalytics {
  /** Counts one answered request in this node's current minute; synchronous and never touches SQL. */
  record(sample: TrafficSample): void
  /** Writes every finished minute of this node to SQL (the flush timer does this each minute). */
  flush(): Promise<void>
  /** The caller's tenant's traffic: SQL rows of every node plus this node's unflushed minutes. */
  report(
    principal: Principal,
    query: { range: TrafficRange; route?: string | undefined },
  ): Promise<TrafficReport>
}

type Deps = Pick<TrafficCopDeps, 'database' | 'clock' | 'logger'>

export function createTrafficAnalytics(deps: Deps): {
  analytics: TrafficAnalytics
  module: TrafficCopModule
} {
  const { database, clock, logger } = deps
  const buffer = createMinuteBuffer()
  let timer: TimerHandle | undefined
  let lastFlushError: string | null = null

  // Flushes and reports run one at a time, so a report never sees a minute both in SQL and in the buffer, or in
  // neither while it is being written.
  let tail: Promise<unknown> = Promise.resolve()
  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task)
    tail = run.catch(() => undefined)
    return run
  }

  const flushBefore = (minute: number) =>
    serialized(async () => {
      const entries: MinuteEntry[] = buffer.takeBefore(minute)
      try {
        await addMinutes(database, entries)
        lastFlushError = null
      } catch (error) {
        buffer.restore(entries)
        lastFlushError = error instanceof Error ? error.message : String(error)
        logger.warn({ err: error, entries: entries.length }, 'traffic analytics flush failed; will retry')
      }
    })

  const removeExpired = () =>
    serialized(() => deleteMinutesBefore(database, minuteOf(clock.now() - retentionMs))).catch(
      (error: unknown) => logger.warn({ err: error }, 'traffic analytics retention failed'),
    )

  function schedule(): void {
    const now = clock.now()
    timer = clock.setTimer(minuteOf(now) + minuteMs - now, () => {
      schedule()
      void flushBefore(minuteOf(clock.now())).then(removeExpired)
    })
  }

  const analytics: TrafficAnalytics = {
    record(sample) {
      buffer.record(sample, clock.now())
    },
    flush: () => flushBefore(minuteOf(clock.now())),
    report(principal, query) {
      return serialized(async () => {
        const toMs = clock.now()
        const fromMs = minuteOf(toMs - rangeMs[query.range])
        const filter = { tenantId: principal.tenantId, fromMinute: fromMs, route: query.route }
        const routeStatus = await readRouteStatusTotals(database, filter)
        const minutes = await readMinuteTotals(database, filter)
        for (const entry of buffer.entries()) {
          if (entry.tenantId !== filter.tenantId || entry.minute < fromMs) continue
          if (query.route !== undefined && entry.route !== query.route) continue
          routeStatus.push(entry)
          minutes.push({ ...entry, errors: entry.status >= 500 ? entry.count : 0 })
        }
        return buildReport({ range: query.range, fromMs, toMs, routeStatus, minutes })
      })
    },
  }

  const module: TrafficCopModule = {
    start() {
      schedule()
      return Promise.resolve()
    },
    async stop() {
      timer?.cancel()
      timer = undefined
      await flushBefore(Infinity)
    },
    health: () => Promise.resolve({ bufferedMinutes: buffer.minutes(), lastFlushError }),
  }
  return { analytics, module }
}
