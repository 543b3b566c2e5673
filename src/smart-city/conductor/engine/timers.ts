import type { Kysely } from 'kysely'
import type { TimerHandle } from '../../../kernel/clock.js'
import type { ConductorDeps } from '../module.js'
import type { ConductorTables } from '../tables.js'
import type { TransitionRunner } from './transitions.js'
import type { UnitRunner } from './units.js'

/**
 * Durable timers: an execution's next due time (a wait, a retry, a timeout, a finished child) is its `wake_at`
 * column, so timers survive restarts and any node can fire them. Each node sweeps due executions every
 * `sweepIntervalMs`; on PostgreSQL a row another node is already moving is skipped, not waited for.
 */
const batchSize = 100

export function createTimerSweeper(deps: ConductorDeps, runner: TransitionRunner, inUnit: UnitRunner) {
  const db = deps.database.db as Kysely<ConductorTables>
  let timer: TimerHandle | undefined
  let current: Promise<number> = Promise.resolve(0)
  let queued: Promise<number> | undefined
  let started = false

  async function sweepOnce(): Promise<number> {
    let fired = 0
    const seen = new Set<string>()
    for (;;) {
      const due = await db
        .selectFrom('cd_executions')
        .select('id')
        .where('wake_at', '<=', deps.clock.now())
        .orderBy('wake_at')
        .limit(batchSize)
        .execute()
      const fresh = due.filter((row) => !seen.has(row.id))
      for (const { id } of fresh) {
        seen.add(id)
        try {
          const moved = await inUnit((unit) =>
            runner.transition(unit, id, [{ kind: 'timer' }], { skipLocked: true }),
          )
          if (moved) fired++
        } catch (error) {
          deps.logger.error({ err: error, executionId: id }, 'firing a workflow timer failed')
        }
      }
      if (due.length < batchSize || fresh.length === 0) return fired
    }
  }

  /** Fires everything due now, in a sweep that starts after this call; calls while one waits share it. */
  function runDue(): Promise<number> {
    if (queued) return queued
    const run = current
      .catch(() => 0)
      .then(() => {
        queued = undefined
        return sweepOnce()
      })
    queued = run
    current = run
    return run
  }

  function schedule(): void {
    if (!started) return
    timer = deps.clock.setTimer(deps.settings.sweepIntervalMs, () => {
      runDue()
        .catch((error: unknown) => deps.logger.error({ err: error }, 'workflow timer sweep failed'))
        .finally(schedule)
    })
  }

  return {
    runDue,
    start(): void {
      started = true
      schedule()
    },
    async stop(): Promise<void> {
      started = false
      timer?.cancel()
      await current.catch(() => undefined)
    },
  }
}

export type TimerSweeper = ReturnType<typeof createTimerSweeper>
