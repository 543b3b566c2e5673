import type { TimerHandle } from '../../kernel/clock.js'
import { createTimeOrderedIdGenerator } from '../../kernel/ids.js'
import type { PlatformService } from '../../kernel/lifecycle.js'
import type { Subscription } from '../../ports/pub-sub.js'
import type { SqlMigration } from '../../ports/sql-database.js'
import { createDefinitionStore } from './definitions/store.js'
import { createTimerSweeper } from './engine/timers.js'
import { createTransitionRunner, type UnitEffects } from './engine/transitions.js'
import { createFastWriter } from './engine/fast-writes.js'
import { createFastRunner, createUnitRunner } from './engine/units.js'
import { createExecutions } from './executions/executions.js'
import {
  conductorFillFactorMigration,
  conductorMigration,
  conductorRevisionMigration,
  conductorTransitionsMigration,
} from './migration.js'
import type { ConductorDeps } from './module.js'
import { createLocalWorkers, type TaskHandler } from './tasks/local-workers.js'
import { createTaskQueue } from './tasks/tasks.js'
import { createTaskWaiters } from './tasks/waiters.js'

export type { ConductorDeps, ConductorSettings } from './module.js'
export { PermanentTaskError, type TaskContext, type TaskHandler } from './tasks/local-workers.js'

export const conductorVersion = '1.0.0'
export const conductorMigrations: SqlMigration[] = [
  conductorMigration,
  conductorRevisionMigration,
  conductorTransitionsMigration,
  conductorFillFactorMigration,
]

/** Published after a commit that queued tasks, so workers on every node look at once instead of at their next poll. */
export const taskHintChannel = 'conductor:tasks'
const hintRetryMs = 3000

/**
 * The Conductor: versioned workflow definitions, durable executions driven by any node, and the task queue that
 * in-process handlers and remote workers share. Every state change is one SQL transaction; timers live in rows.
 */
export function createConductorService(given: ConductorDeps) {
  const workerId = given.ids.next('node')
  // Executions and tasks are written at a high rate: ids that sort by creation time put new rows at the end of
  // their indexes instead of on random pages (far fewer pages written per commit, on both databases).
  const deps = { ...given, ids: createTimeOrderedIdGenerator(() => given.clock.now()) }
  const definitions = createDefinitionStore(deps.database, () => deps.clock.now())
  const runner = createTransitionRunner(deps, definitions)
  const waiters = createTaskWaiters(deps.clock)
  let hints: Subscription | undefined
  let retryHints: TimerHandle | undefined
  let stopped = false

  function afterCommit(unit: UnitEffects): void {
    if (unit.states.length > 0) runner.cache.put(unit.states)
    if (unit.leased.length > 0) workers.run(unit.leased)
    const queued = unit.created.filter((task) => task.status === 'queued')
    if (queued.length > 0) {
      const types = [...new Set(queued.map((t) => t.type))]
      const tenants = [...new Set(queued.map((t) => t.tenant_id))]
      waiters.notify(tenants, types)
      if (types.some((type) => workers.types().includes(type))) workers.kick()
      deps.pubSub.publish(taskHintChannel, JSON.stringify({ tenants, types })).catch(() => undefined)
    }
    if (unit.wake) void timers.runDue().catch(() => undefined)
    if (unit.published) void deps.events?.wake()
  }

  const hooks = {
    lease: () => (workers.types().length > 0 ? workers.lease() : undefined),
    afterCommit,
  }
  const inUnit = createUnitRunner(deps, hooks)
  const fast = createFastRunner(deps, hooks, createFastWriter(deps, runner.statements))
  const queue = createTaskQueue(deps, runner, inUnit, fast)
  const workers = createLocalWorkers(deps, queue, workerId)
  const timers = createTimerSweeper(deps, runner, inUnit)
  const executions = createExecutions(deps, definitions, { runner, inUnit, fast })

  function onHint(message: string): void {
    try {
      const hint = JSON.parse(message) as { tenants: string[]; types: string[] }
      waiters.notify(hint.tenants, hint.types)
      if (hint.types.some((type) => workers.types().includes(type))) workers.kick()
    } catch {
      // A malformed hint only costs a poll interval.
    }
  }

  /** Hints only speed things up (workers and sweeps poll anyway), so an unreachable bus is retried, not fatal. */
  async function listenForHints(): Promise<void> {
    try {
      hints = await deps.pubSub.subscribe(taskHintChannel, onHint)
    } catch (error) {
      deps.logger.warn({ err: error }, 'task hints unavailable; retrying (workers still poll)')
      if (!stopped) retryHints = deps.clock.setTimer(hintRetryMs, () => void listenForHints())
    }
  }

  const conductor = {
    definitions,
    executions,
    tasks: queue,
    waiters,
    workerId,
    /** Registers an in-process handler for a task type on this node. */
    registerHandler: (type: string, handler: TaskHandler) => workers.register(type, handler),
    /** Fast-path batches written and refused on this node (see engine/fast-writes.ts). */
    fastWrites: () => fast.counts(),
    /** Fires every due timer now (the sweeper does this on its own every `sweepIntervalMs`). */
    runDue: () => timers.runDue(),
  }

  const service: PlatformService = {
    descriptor: {
      name: 'conductor',
      realm: 'smart-city',
      version: conductorVersion,
      capabilities: ['workflows', 'executions', 'tasks', 'durable-timers', 'conductor-import'],
      dependsOn: ['curator', 'security-guard'],
    },
    async start() {
      stopped = false
      await listenForHints()
      workers.start()
      timers.start()
    },
    async stop() {
      stopped = true
      retryHints?.cancel()
      waiters.closeAll()
      await timers.stop()
      await workers.stop()
      await hints?.unsubscribe()
    },
    healthCheck: () =>
      Promise.resolve({
        status: 'healthy' as const,
        details: { workerId, handlers: workers.types(), fastWrites: fast.counts() },
      }),
  }
  return { conductor, service }
}

export type Conductor = ReturnType<typeof createConductorService>['conductor']
