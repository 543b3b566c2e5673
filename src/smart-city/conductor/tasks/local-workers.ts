import type { TimerHandle } from '../../../kernel/clock.js'
import type { ConductorDeps } from '../module.js'
import type { LeasedTask } from '../engine/unit-effects.js'
import type { TasksTable } from '../tables.js'
import { createCompletionBatcher } from './completion-batcher.js'
import type { TaskQueue } from './tasks.js'

/**
 * In-process task handlers. Each node runs the handlers registered on it as one more worker of the shared queue:
 * it claims tasks of those types from every tenant, runs them at most `workerConcurrency` at a time, renews the
 * lease while a handler runs, and reports the result. A task of a local type created by a transaction on this node
 * is leased to this node by that transaction and runs at once (or as soon as a slot frees up).
 */
export interface TaskContext {
  taskId: string
  tenantId: string
  executionId: string | null
  stepId: string | null
  attempt: number
  /** How many times this task has been handed to a worker; above 1 after a lease ran out. */
  delivery: number
}

export type TaskHandler = (input: unknown, context: TaskContext) => Promise<unknown>

/** Throw this (or any error with `retryable: false`) to fail a task without retrying it. */
export class PermanentTaskError extends Error {
  readonly retryable = false
}

const idlePollMs = 1000
const stopGraceMs = 10_000
const completionBatch = { maxBatch: 200, maxInFlight: 2 }

export function createLocalWorkers(deps: ConductorDeps, queue: TaskQueue, workerId: string) {
  const handlers = new Map<string, TaskHandler>()
  const leaseMs = deps.settings.leaseSeconds * 1000
  const concurrency = deps.settings.workerConcurrency
  let running = 0
  /** Tasks leased to this node while every slot was busy; they start as slots free up. */
  const pending: LeasedTask[] = []
  let polling = false
  let again = false
  /** Set when a poll may have left claimable tasks behind (a full batch, or a hint while busy). */
  let backlog = true
  let started = false
  let timer: TimerHandle | undefined
  const inFlight = new Set<Promise<void>>()
  const completions = createCompletionBatcher(
    {
      many: (items) => queue.completeMany(items),
      one: (item) => queue.completeMany([item]),
      batchFailed: (error, size) =>
        deps.logger.warn({ err: error, size }, 'a batch of task completions failed; completing one by one'),
    },
    completionBatch,
  )

  // A lease given at creation ends on a multiple of a sixth of the lease, rounded up: consecutive steps of an
  // execution then mostly write the same lease end into its wake-up (`StepState.lease`), and PostgreSQL updates the
  // row in place (a HOT update, no new index entries) instead of indexing its new wake-up every step.
  const leaseGranuleMs = Math.max(1, Math.floor(leaseMs / 6))
  const lease = () => ({
    workerId,
    types: new Set(handlers.keys()),
    untilMs: Math.ceil((deps.clock.now() + leaseMs) / leaseGranuleMs) * leaseGranuleMs,
  })

  function schedulePoll(): void {
    timer?.cancel()
    if (started) timer = deps.clock.setTimer(idlePollMs, () => kick())
  }

  /** Claims what fits in the free slots; called on hints, after each task and on an idle timer. */
  function kick(): void {
    if (!started || handlers.size === 0) return
    backlog = true
    if (polling) {
      again = true
      return
    }
    polling = true
    void poll().finally(() => {
      polling = false
      if (again) {
        again = false
        kick()
      }
    })
  }

  async function poll(): Promise<void> {
    const free = concurrency - running - pending.length
    if (free <= 0) return
    try {
      backlog = false
      const tasks = await queue.claim({ types: [...handlers.keys()], workerId, leaseMs, max: free })
      for (const task of tasks) launch(task)
      if (tasks.length === free) backlog = again = true
    } catch (error) {
      deps.logger.error({ err: error }, 'claiming in-process tasks failed')
    }
    schedulePoll()
  }

  function launch(task: LeasedTask): void {
    running++
    // A turn of the event loop before each handler: on SQLite a chain of in-process steps resolves through
    // promises alone, and would otherwise starve timers and sockets for as long as the chain runs.
    const run = nextTurn()
      .then(() => execute(task))
      .finally(() => {
        running--
        inFlight.delete(run)
        const next = pending.shift()
        if (next) launch(next)
        else if (backlog) kick()
      })
    inFlight.add(run)
  }

  async function execute(task: LeasedTask): Promise<void> {
    const handler = handlers.get(task.type)
    if (!handler) return
    // Every third of the lease while the handler runs. A rowless task that runs this long gets its row, and from
    // then on heartbeats like any other.
    let renew: TimerHandle
    const extend = () => {
      const renewed = task.rowless
        ? queue.keepLease(task, leaseMs).then(() => void (task.rowless = false))
        : queue.heartbeat(task.id, workerId, leaseMs)
      renewed.catch(() => undefined)
      renew = deps.clock.setTimer(leaseMs / 3, extend)
    }
    renew = deps.clock.setTimer(leaseMs / 3, extend)
    try {
      const output = await handler(JSON.parse(task.input) as unknown, contextOf(task))
      renew.cancel()
      await completions.complete({ id: task.id, output: output ?? null, task })
    } catch (error) {
      renew.cancel()
      const failure = {
        error: { code: codeOf(error), message: error instanceof Error ? error.message : String(error) },
        retryable: (error as { retryable?: unknown } | null)?.retryable !== false,
      }
      await queue.fail(task.id, failure, { task }).catch((cause: unknown) => {
        deps.logger.error({ err: cause, taskId: task.id }, 'reporting a task failure failed')
      })
    }
  }

  return {
    register(type: string, handler: TaskHandler): void {
      handlers.set(type, handler)
      kick()
    },
    types: () => [...handlers.keys()],
    kick,
    /** Runs tasks leased to this node by a transaction it committed. */
    run(tasks: LeasedTask[]): void {
      for (const task of tasks) {
        if (!handlers.has(task.type)) continue
        if (running < concurrency) launch(task)
        else pending.push(task)
      }
    },
    start(): void {
      started = true
      kick()
    },
    /** Waits for running handlers, at most `stopGraceMs`; a handler still running then keeps its lease to expire. */
    async stop(): Promise<void> {
      started = false
      timer?.cancel()
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (grace = setTimeout(resolve, stopGraceMs))),
      ])
      clearTimeout(grace)
    },
    lease,
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function contextOf(task: TasksTable) {
  return {
    taskId: task.id,
    tenantId: task.tenant_id,
    executionId: task.execution_id,
    stepId: task.step_id,
    attempt: Number(task.attempt),
    delivery: Number(task.deliveries),
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'TASK_FAILED'
}

export type LocalWorkers = ReturnType<typeof createLocalWorkers>
