import { sql } from 'kysely'
import type { ConductorDeps } from '../module.js'
import { conductorErrors } from '../errors.js'
import type { TransitionRunner, Unit } from '../engine/transitions.js'
import type { FastRunner, UnitRunner } from '../engine/units.js'
import type { ExecutionEvent } from '../engine/decide.js'
import type { StepError } from '../engine/state.js'
import type { TasksTable } from '../tables.js'
import type { LeasedTask } from '../engine/unit-effects.js'

/**
 * The task queue. A worker claims tasks with a lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so concurrent
 * pollers on any node never get the same task); a lease that runs out makes the task claimable again. Completing or
 * failing a task that is already finished is a no-op, and completing a workflow's task moves its execution on in
 * the same transaction. Delivery is at least once: handlers must tolerate running twice.
 */
export interface ClaimRequest {
  types: string[]
  workerId: string
  leaseMs: number
  max: number
  /** Only this tenant's tasks (remote workers); every tenant's for the node's in-process handlers. */
  tenantId?: string
}

export interface FinishOptions {
  tenantId?: string
  /** The task as this node's worker was given it: an in-process task may have no row (`StepState.lease`). */
  task?: LeasedTask
}

export type FailureInput = { error: StepError; retryable: boolean }

export interface Completion {
  id: string
  output: unknown
  /**
   * The task as its worker was given it, when known: lets the fast path decide without reading it. `rowless`: an
   * in-process task that had no row when given (see `StepState.lease`).
   */
  task?: Pick<LeasedTask, 'execution_id' | 'step_id' | 'purpose' | 'rowless'>
}

const standaloneBackoffMs = (attempt: number) => Math.min(60_000, 1000 * 2 ** (attempt - 1))
const terminal = ['completed', 'failed', 'cancelled']

/** A task's completion as the interpreter takes it; the output is parsed from its stored text (a copy of its own). */
function completedEvent(
  taskId: string,
  task: Pick<TasksTable, 'step_id' | 'purpose'>,
  output: string,
): ExecutionEvent {
  return {
    kind: 'task-completed',
    taskId,
    stepId: task.step_id!,
    purpose: task.purpose,
    output: JSON.parse(output) as unknown,
  }
}

export function createTaskQueue(
  deps: ConductorDeps,
  runner: TransitionRunner,
  inUnit: UnitRunner,
  fast: FastRunner,
) {
  const postgres = deps.database.dialect === 'postgres'

  async function claim(request: ClaimRequest): Promise<TasksTable[]> {
    if (request.types.length === 0 || request.max < 1) return []
    return inUnit(async (unit) => {
      let candidates = unit.trx
        .selectFrom('cd_tasks')
        .select('id')
        .where('type', 'in', request.types)
        .where('claimable_at', '<=', unit.now)
        .orderBy('claimable_at')
        .limit(request.max)
      if (request.tenantId !== undefined) candidates = candidates.where('tenant_id', '=', request.tenantId)
      if (postgres) candidates = candidates.forUpdate().skipLocked()
      const until = unit.now + request.leaseMs
      return unit.trx
        .updateTable('cd_tasks')
        .set({
          status: 'leased',
          worker_id: request.workerId,
          lease_expires_at: until,
          claimable_at: until,
          deliveries: sql<number>`deliveries + 1`,
          updated_at: unit.now,
        })
        .where('id', 'in', candidates)
        .returningAll()
        .execute()
    })
  }

  async function lockTask(unit: Unit, id: string, tenantId: string | undefined) {
    let query = unit.trx.selectFrom('cd_tasks').selectAll().where('id', '=', id)
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId)
    if (postgres) query = query.forUpdate()
    const task = await query.executeTakeFirst()
    if (!task) throw conductorErrors.TASK_NOT_FOUND({ id })
    return task
  }

  /** Records the outcome (and moves the task's execution on); answers the task as it now is. */
  async function finish(
    unit: Unit,
    task: TasksTable,
    outcome: { output: unknown } | FailureInput,
  ): Promise<TasksTable> {
    const failed = 'error' in outcome
    if (failed && task.purpose === 'standalone' && outcome.retryable && task.attempt < task.max_attempts) {
      const requeued = {
        status: 'queued',
        attempt: task.attempt + 1,
        worker_id: null,
        lease_expires_at: null,
        claimable_at: unit.now + standaloneBackoffMs(task.attempt),
        error: JSON.stringify(outcome.error),
        updated_at: unit.now,
      }
      await unit.trx.updateTable('cd_tasks').set(requeued).where('id', '=', task.id).execute()
      return { ...task, ...requeued }
    }
    const finished = {
      status: failed ? 'failed' : 'completed',
      output: failed ? null : JSON.stringify(outcome.output ?? null),
      error: failed ? JSON.stringify(outcome.error) : null,
      claimable_at: null,
      lease_expires_at: null,
      updated_at: unit.now,
      completed_at: unit.now,
    }
    await unit.trx.updateTable('cd_tasks').set(finished).where('id', '=', task.id).execute()
    if (task.execution_id === null) return { ...task, ...finished }
    const base = { taskId: task.id, stepId: task.step_id!, purpose: task.purpose }
    await runner.transition(unit, task.execution_id, [
      failed
        ? { kind: 'task-failed', ...base, error: outcome.error, retryable: outcome.retryable }
        : { kind: 'task-completed', ...base, output: outcome.output ?? null },
    ])
    return { ...task, ...finished }
  }

  /** Answers the task as it now is; a task already finished is answered unchanged. */
  async function settle(
    id: string,
    outcome: { output: unknown } | FailureInput,
    options: FinishOptions = {},
  ) {
    const task = await inUnit(async (unit) => {
      if (!('error' in outcome)) return completeOpen(unit, id, outcome.output, options.tenantId)
      const current = await lockTask(unit, id, options.tenantId).catch((error: unknown) => {
        const missing = (error as { code?: unknown }).code === 'TASK_NOT_FOUND'
        if (missing && options.task?.rowless && options.task.execution_id !== null) return undefined
        throw error
      })
      if (current === undefined) return failRowless(unit, options.task!, outcome)
      if (terminal.includes(current.status)) return current
      return finish(unit, current, outcome)
    })
    return { task }
  }

  /** A rowless in-process task's failure goes straight to its execution (which ignores it if it moved on). */
  async function failRowless(unit: Unit, task: LeasedTask, failure: FailureInput): Promise<TasksTable> {
    const base = { taskId: task.id, stepId: task.step_id!, purpose: task.purpose }
    await runner.transition(unit, task.execution_id!, [{ kind: 'task-failed', ...base, ...failure }])
    return { ...task, status: 'failed', error: JSON.stringify(failure.error), completed_at: unit.now }
  }

  /** The common path in one statement: finish the task if it is still open, then move its execution on. */
  async function completeOpen(unit: Unit, id: string, output: unknown, tenantId: string | undefined) {
    let update = unit.trx
      .updateTable('cd_tasks')
      .set({
        status: 'completed',
        output: JSON.stringify(output ?? null),
        error: null,
        claimable_at: null,
        lease_expires_at: null,
        updated_at: unit.now,
        completed_at: unit.now,
      })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'leased'])
    if (tenantId !== undefined) update = update.where('tenant_id', '=', tenantId)
    const task = await update.returningAll().executeTakeFirst()
    if (!task) return lockTask(unit, id, tenantId)
    if (task.execution_id !== null) {
      await runner.transition(unit, task.execution_id, [
        {
          kind: 'task-completed',
          taskId: id,
          stepId: task.step_id!,
          purpose: task.purpose,
          output: output ?? null,
        },
      ])
    }
    return task
  }

  /**
   * Completes several tasks together (the in-process handlers' group commit): those whose executions this node
   * holds in its cache go the fast path (one atomic write, nothing read first); the rest, and a fast batch that was
   * refused, in one unit that finishes the tasks still open and moves their executions on together. A task already
   * finished is left as it is, as `complete` would.
   */
  async function completeMany(items: readonly Completion[]): Promise<void> {
    const unique = new Map<string, Completion>()
    for (const item of items) if (!unique.has(item.id)) unique.set(item.id, item)
    const rest = await completeFast([...unique.values()])
    if (rest.length === 0) return
    const outputs = new Map(rest.map((item) => [item.id, JSON.stringify(item.output ?? null)]))
    await inUnit(async (unit) => {
      const finished = await finishOpen(unit, outputs)
      const withRows = new Set(finished.map((task) => task.id))
      // Rowless in-process tasks have nothing to finish; their executions take the completion as it is.
      const rowless = rest.flatMap((item) =>
        item.task?.rowless && item.task.execution_id && !withRows.has(item.id)
          ? [
              {
                id: item.task.execution_id,
                events: [completedEvent(item.id, item.task, outputs.get(item.id)!)],
              },
            ]
          : [],
      )
      await runner.transitionMany(unit, [
        ...finished.flatMap((task) =>
          task.execution_id === null
            ? []
            : [{ id: task.execution_id, events: [completedEvent(task.id, task, task.output!)] }],
        ),
        ...rowless,
      ])
    })
  }

  /** Answers the completions left for the locking path. */
  async function completeFast(items: Completion[]): Promise<Completion[]> {
    const rest: Completion[] = []
    const byExecution = new Map<string, { items: Completion[]; outputs: string[] }>()
    for (const item of items) {
      const executionId = item.task?.execution_id
      if (!executionId) {
        rest.push(item)
        continue
      }
      const group = byExecution.get(executionId) ?? { items: [], outputs: [] }
      group.items.push(item)
      group.outputs.push(JSON.stringify(item.output ?? null))
      byExecution.set(executionId, group)
    }
    if (byExecution.size === 0) return rest
    const unit = fast.begin()
    const decided = await runner.decideCached(
      unit,
      [...byExecution].map(([id, group]) => ({
        id,
        events: group.items.map((item, i) => completedEvent(item.id, item.task!, group.outputs[i]!)),
      })),
    )
    for (const { id } of decided.rest) rest.push(...byExecution.get(id)!.items)
    if (decided.plans.length === 0) return rest
    const moved = decided.plans.map((plan) => byExecution.get(plan.row.id)!)
    const written = await fast.write({
      unit,
      // A rowless task still has no row: the execution's revision, checked by the write, says nothing changed it.
      finished: moved.flatMap((group) =>
        group.items.flatMap((item, i) =>
          item.task?.rowless ? [] : [{ id: item.id, output: group.outputs[i]! }],
        ),
      ),
      plans: decided.plans,
      starts: [],
      events: decided.events,
    })
    if (!written) for (const group of moved) rest.push(...group.items)
    return rest
  }

  /** Marks the open ones among these tasks completed with their outputs; answers them as they now are. */
  async function finishOpen(unit: Unit, outputs: Map<string, string>): Promise<TasksTable[]> {
    // SQLite's RETURNING takes no `table.*`, and there `*` is the updated table's columns only.
    const values = [...outputs].map(([id, output]) => sql`(${id}, ${output})`)
    const { rows } = await sql<TasksTable>`with v(id, output) as (values ${sql.join(values)})
      update cd_tasks set status = 'completed', output = v.output, error = null, claimable_at = null,
        lease_expires_at = null, updated_at = ${unit.now}, completed_at = ${unit.now}
      from v where cd_tasks.id = v.id and cd_tasks.status in ('queued', 'leased')
      returning ${postgres ? sql`cd_tasks.*` : sql`*`}`.execute(unit.trx)
    return rows
  }

  return {
    claim,
    settle,
    completeMany,
    complete: (id: string, output: unknown, options?: FinishOptions) => settle(id, { output }, options),
    fail: (id: string, failure: FailureInput, options?: FinishOptions) => settle(id, failure, options),

    /** Gives a rowless in-process task its row, leased for `leaseMs` more; false when its step moved on. */
    keepLease: (task: LeasedTask, leaseMs: number) =>
      inUnit((unit) => runner.keepLease(unit, task, unit.now + leaseMs)),

    /** Extends a lease held by `workerId`; a lease lost to expiry and another worker, or a finished task, is refused. */
    async heartbeat(id: string, workerId: string, leaseMs: number, tenantId?: string): Promise<TasksTable> {
      return inUnit(async (unit) => {
        const task = await lockTask(unit, id, tenantId)
        if (task.status !== 'leased' || task.worker_id !== workerId) {
          throw conductorErrors.TASK_LEASE_LOST({ id, workerId })
        }
        const until = unit.now + leaseMs
        await unit.trx
          .updateTable('cd_tasks')
          .set({ lease_expires_at: until, claimable_at: until, updated_at: unit.now })
          .where('id', '=', id)
          .execute()
        return { ...task, lease_expires_at: until, claimable_at: until }
      })
    },

    async create(init: {
      tenantId: string
      type: string
      input: unknown
      maxAttempts: number
      createdBy: string
    }) {
      return inUnit((unit) =>
        runner.createTask(unit, {
          id: deps.ids.next('task'),
          tenantId: init.tenantId,
          purpose: 'standalone',
          attempt: 1,
          maxAttempts: init.maxAttempts,
          type: init.type,
          input: init.input,
          createdBy: init.createdBy,
        }),
      )
    },

    async get(tenantId: string, id: string): Promise<TasksTable> {
      const task = await deps.database.db
        .selectFrom('cd_tasks')
        .selectAll()
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
      if (!task) throw conductorErrors.TASK_NOT_FOUND({ id })
      return task as TasksTable
    },
  }
}

export type TaskQueue = ReturnType<typeof createTaskQueue>
