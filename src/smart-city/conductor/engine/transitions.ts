import type { Kysely, Transaction } from 'kysely'
import type { AnyDatabase } from '../../../ports/sql-database.js'
import { stepIndexOf } from '../definitions/step-index.js'
import type { DefinitionStore } from '../definitions/store.js'
import type { WorkflowDefinition } from '../definitions/types.js'
import { conductorErrors } from '../errors.js'
import { type ConductorDeps, maxSubworkflowDepth } from '../module.js'
import type { ConductorTables, ExecutionsTable, TasksTable } from '../tables.js'
import { createExecutionCache } from './execution-cache.js'
import { createPlanStatements } from './plan-statements.js'
import { effectsOf, type LeasedTask, type UnitEffects } from './unit-effects.js'
import {
  planWrites,
  type StatusEvent,
  statusEvents,
  type TaskInit,
  taskOfEffect,
  taskRow,
  type WritePlan,
} from './write-plan.js'
import {
  decide,
  type DecisionResult,
  type Effect,
  type ExecutionEvent,
  type ExecutionSnapshot,
  TransitionRefused,
} from './decide.js'
import {
  type ExecutionState,
  type ExecutionStatus,
  initialState,
  isTerminal,
  type StepError,
} from './state.js'

/**
 * Runs transitions inside a caller's SQL transaction: lock the execution row, decide, then write the new state,
 * the history rows and the effects (tasks, child executions) before the caller commits. Tasks of types this node
 * handles in-process can be leased to it in the same transaction (`Unit.lease`), so a chain of in-process steps
 * costs one transaction per step.
 */
export type ConductorTrx = Transaction<ConductorTables>
export { effectsOf, type UnitEffects } from './unit-effects.js'

export interface Unit extends UnitEffects {
  trx: ConductorTrx
}

export interface NewExecution {
  id: string
  tenantId: string
  definition: WorkflowDefinition
  input: unknown
  startedBy: string
  idempotencyKey?: string
  correlationId?: string
  parentId?: string
  depth: number
}

export function unitOf(trx: Transaction<AnyDatabase>, now: number): Unit {
  return { ...effectsOf(now), trx: trx as ConductorTrx }
}

const cachedExecutions = 4096

export function createTransitionRunner(deps: ConductorDeps, definitions: DefinitionStore) {
  const postgres = deps.database.dialect === 'postgres'
  const cache = createExecutionCache(cachedExecutions)
  const statements = createPlanStatements(deps.database.dialect)
  const newId = (prefix: string) => deps.ids.next(prefix)

  async function lockExecution(unit: Unit, id: string, skipLocked: boolean) {
    let query = unit.trx.selectFrom('cd_executions').selectAll().where('id', '=', id)
    if (postgres) query = skipLocked ? query.forUpdate().skipLocked() : query.forUpdate()
    return query.executeTakeFirst()
  }

  /**
   * One transition. Answers undefined when the row is missing, or locked by another node and `skipLocked` asked
   * not to wait (a timer sweep then leaves it to that node).
   */
  async function transition(
    unit: Unit,
    id: string,
    events: ExecutionEvent[],
    options: { skipLocked?: boolean; tenantId?: string } = {},
  ): Promise<ExecutionSnapshot | undefined> {
    const row = await lockExecution(unit, id, options.skipLocked ?? false)
    if (!row || (options.tenantId !== undefined && row.tenant_id !== options.tenantId)) return undefined
    const definition = await definitions.get(unit.trx, row.tenant_id, row.workflow, Number(row.version))
    const snapshot = snapshotOf(row)
    const children = events.some((e) => e.kind === 'timer') ? await finishedChildren(unit, snapshot) : []
    const result = await decideWithChildren(unit, row, definition, {
      snapshot,
      events: [...children, ...events],
    })
    const timer = events.some((e) => e.kind === 'timer')
    if (timer) await requeueLapsedLeases(unit, row, definition, result)
    await persist(unit, row, result, { keepDueWake: !timer })
    return result.execution
  }

  /**
   * Rowless in-process tasks (`StepState.lease`) whose lease ended with their step still waiting for them — the node
   * running them died or stopped — become queued task rows that any worker can claim.
   */
  async function requeueLapsedLeases(
    unit: Unit,
    row: ExecutionsTable,
    definition: WorkflowDefinition,
    result: DecisionResult,
  ): Promise<void> {
    const index = stepIndexOf(definition)
    for (const [stepId, step] of Object.entries(result.execution.state.steps)) {
      if (step.lease === undefined || step.lease > unit.now) continue
      delete step.lease
      const declared = index.byId.get(stepId)
      if (step.status !== 'running' || step.taskId === undefined || declared?.type !== 'task') continue
      await createTask(unit, {
        id: step.taskId,
        tenantId: row.tenant_id,
        executionId: row.id,
        stepId,
        purpose: 'step',
        attempt: step.attempt,
        maxAttempts: 1,
        type: declared.task,
        input: step.input,
        createdBy: row.started_by,
      })
      result.history.push({ type: 'task.lease_expired', stepId, data: { taskId: step.taskId } })
    }
  }

  /**
   * Gives a rowless in-process task (`StepState.lease`) its row, leased to this node until `until`: its handler
   * runs long, and from now on its lease is renewed like any task's. False when its step no longer waits for it.
   */
  async function keepLease(unit: Unit, task: TasksTable, until: number): Promise<boolean> {
    const row = await lockExecution(unit, task.execution_id!, false)
    if (!row) return false
    const snapshot = snapshotOf(row, cache.take(row.id, row.rev)?.state)
    const step = snapshot.state.steps[task.step_id!]
    if (step?.taskId !== task.id || step.lease === undefined || step.status !== 'running') return false
    delete step.lease
    const { rowless: _, ...columns } = task as LeasedTask
    await unit.trx
      .insertInto('cd_tasks')
      .values({ ...columns, claimable_at: until, lease_expires_at: until, updated_at: unit.now })
      .execute()
    const history = [{ type: 'task.lease_renewed', stepId: task.step_id!, data: { taskId: task.id } }]
    // The row's wake-up stays as it was (at the latest this lease's old end): early is harmless, late is not.
    const wakeAt = row.wake_at === null ? undefined : Number(row.wake_at)
    await persist(unit, row, { execution: snapshot, effects: [], history, wakeAt }, { keepDueWake: true })
    return true
  }

  /** Decides; children that cannot start (unknown workflow, too deep) fail their step at once, in the same unit. */
  async function decideWithChildren(
    unit: Unit,
    row: ExecutionsTable,
    definition: WorkflowDefinition,
    first: { snapshot: ExecutionSnapshot; events: ExecutionEvent[] },
  ): Promise<DecisionResult> {
    let result = await decide({
      definition,
      execution: first.snapshot,
      events: first.events,
      now: unit.now,
      newId,
    })
    const effects: Effect[] = []
    const history = [...result.history]
    for (let round = 0; round < 20; round++) {
      const failures: ExecutionEvent[] = []
      for (const effect of result.effects) {
        if (effect.kind !== 'start-child') {
          effects.push(effect)
          continue
        }
        const problem = await childProblem(unit, row, effect)
        if (problem)
          failures.push({
            kind: 'child-finished',
            childId: effect.childId,
            status: 'failed',
            output: null,
            error: problem,
          })
        else effects.push(effect)
      }
      if (failures.length === 0) break
      result = await decide({
        definition,
        execution: result.execution,
        events: failures,
        now: unit.now,
        newId,
      })
      history.push(...result.history)
    }
    return { ...result, effects, history }
  }

  async function childProblem(
    unit: Unit,
    row: ExecutionsTable,
    effect: Extract<Effect, { kind: 'start-child' }>,
  ): Promise<StepError | undefined> {
    if (Number(row.depth) + 1 > maxSubworkflowDepth) {
      const error = conductorErrors.SUBWORKFLOW_TOO_DEEP({ maxDepth: maxSubworkflowDepth })
      return { code: error.code, message: error.message }
    }
    try {
      await definitions.get(unit.trx, row.tenant_id, effect.workflow, effect.version)
      return undefined
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code !== 'WORKFLOW_NOT_FOUND') throw error
      return { code, message: (error as Error).message }
    }
  }

  async function finishedChildren(unit: Unit, snapshot: ExecutionSnapshot): Promise<ExecutionEvent[]> {
    const childIds = Object.values(snapshot.state.steps)
      .filter((s) => s.childId !== undefined && s.status === 'running')
      .map((s) => s.childId!)
    if (childIds.length === 0) return []
    const rows = await unit.trx
      .selectFrom('cd_executions')
      .select(['id', 'status', 'output', 'error'])
      .where('id', 'in', childIds)
      .execute()
    return rows
      .filter((r) => isTerminal(r.status as ExecutionStatus))
      .map((r) => ({
        kind: 'child-finished' as const,
        childId: r.id,
        status: r.status as ExecutionStatus,
        output: parseOrNull(r.output),
        ...(r.error ? { error: JSON.parse(r.error) as StepError } : {}),
      }))
  }

  async function persist(
    unit: Unit,
    row: ExecutionsTable,
    result: DecisionResult,
    options: { keepDueWake: boolean },
  ): Promise<void> {
    const plan = planWrites(unit, row, result, options)
    await statements.writeLocked(unit.trx, [plan])
    await afterWrites(unit, plan)
  }

  /** What follows a plan's writes: status events, wake-ups, effects other than new tasks, the parent's wake-up. */
  async function afterWrites(unit: Unit, plan: WritePlan): Promise<void> {
    const { row, result } = plan
    const { execution } = result
    unit.states.push(plan.next)
    if (deps.events) {
      for (const event of statusEvents(row, execution)) {
        await deps.events.publishInTransaction(unit.trx, event)
        unit.published = true
      }
    }
    // Only after progress: a due time the decision just left as it was would otherwise be swept again and again.
    if (result.wakeAt !== undefined && result.wakeAt <= unit.now && result.history.length > 0)
      unit.wake = true
    // A wake-up the row already had (from a finished child) that this write kept: a sweep may have skipped the
    // row while it was locked here.
    if (plan.keepDueWake && row.wake_at !== null && Number(row.wake_at) <= unit.now) unit.wake = true
    for (const effect of result.effects)
      if (effect.kind !== 'create-task') await applyEffect(unit, row, effect)
    if (isTerminal(execution.status) && !isTerminal(row.status as ExecutionStatus) && row.parent_id) {
      unit.wake = true
      await unit.trx
        .updateTable('cd_executions')
        .set({ wake_at: unit.now })
        .where('id', '=', row.parent_id)
        .execute()
    }
  }

  /**
   * Several executions' transitions in the caller's unit, each decided on its own and all written together (the
   * group commit of the completion path). Executions are locked in id order, so two such units never deadlock on
   * each other. A missing execution is skipped.
   */
  async function transitionMany(
    unit: Unit,
    items: { id: string; events: ExecutionEvent[] }[],
  ): Promise<void> {
    if (items.length === 0) return
    const ids = [...new Set(items.map((item) => item.id))].sort()
    let query = unit.trx.selectFrom('cd_executions').selectAll().where('id', 'in', ids).orderBy('id')
    if (postgres) query = query.forUpdate()
    const rows = await query.execute()
    const plans: WritePlan[] = []
    for (const row of rows) {
      const events = items.filter((item) => item.id === row.id).flatMap((item) => item.events)
      const definition = await definitions.get(unit.trx, row.tenant_id, row.workflow, Number(row.version))
      const snapshot = snapshotOf(row, cache.take(row.id, row.rev)?.state)
      const result = await decideWithChildren(unit, row, definition, { snapshot, events })
      plans.push(planWrites(unit, row, result, { keepDueWake: true }))
    }
    await statements.writeLocked(unit.trx, plans)
    for (const plan of plans) await afterWrites(unit, plan)
  }

  /**
   * Decides transitions from executions this node holds in its cache, without reading anything, for the fast path
   * (fast-writes.ts). Answers the plans that need nothing but their own rows written — no children to start or
   * cancel, no task to cancel, no parent to wake — with their status events; every other item is handed back to
   * be taken the locking way. The cache entries used are gone either way (their states were changed in place).
   */
  async function decideCached(
    unit: UnitEffects,
    items: readonly { id: string; events: ExecutionEvent[] }[],
  ): Promise<{
    plans: WritePlan[]
    events: StatusEvent[]
    rest: { id: string; events: ExecutionEvent[] }[]
  }> {
    const plans: WritePlan[] = []
    const events: StatusEvent[] = []
    const rest: { id: string; events: ExecutionEvent[] }[] = []
    for (const item of items) {
      const entry = cache.take(item.id)
      if (!entry) {
        rest.push(item)
        continue
      }
      const { row } = entry
      let result: DecisionResult
      try {
        const definition = await definitions.get(
          deps.database.db as Kysely<ConductorTables>,
          row.tenant_id,
          row.workflow,
          Number(row.version),
        )
        result = await decide({
          definition,
          execution: snapshotOf(row, entry.state),
          events: item.events,
          now: unit.now,
          newId,
        })
      } catch {
        rest.push(item)
        continue
      }
      const ending = isTerminal(result.execution.status) && !isTerminal(row.status as ExecutionStatus)
      if (result.effects.some((effect) => effect.kind !== 'create-task') || (ending && row.parent_id)) {
        rest.push(item)
        continue
      }
      plans.push(planWrites(unit, row, result, { keepDueWake: true }))
      events.push(...statusEvents(row, result.execution))
    }
    return { plans, events, rest }
  }

  async function applyEffect(unit: Unit, row: ExecutionsTable, effect: Effect): Promise<void> {
    switch (effect.kind) {
      case 'create-task':
        await createTask(unit, taskOfEffect(row, effect))
        return
      case 'cancel-task':
        await unit.trx
          .updateTable('cd_tasks')
          .set({ status: 'cancelled', claimable_at: null, updated_at: unit.now, completed_at: unit.now })
          .where('id', '=', effect.taskId)
          .where('status', 'in', ['queued', 'leased'])
          .execute()
        return
      case 'start-child': {
        const definition = await definitions.get(unit.trx, row.tenant_id, effect.workflow, effect.version)
        await createExecution(unit, {
          id: effect.childId,
          tenantId: row.tenant_id,
          definition,
          input: effect.input,
          startedBy: row.started_by,
          parentId: row.id,
          depth: Number(row.depth) + 1,
        })
        return
      }
      case 'cancel-child':
        try {
          await transition(unit, effect.childId, [
            { kind: 'cancel', reason: 'the parent workflow stopped it' },
          ])
        } catch (error) {
          if (!(error instanceof TransitionRefused)) throw error
        }
        return
    }
  }

  async function createTask(unit: Unit, task: TaskInit): Promise<TasksTable> {
    const row = taskRow(unit, task)
    await unit.trx.insertInto('cd_tasks').values(row).execute()
    return row
  }

  function initialRow(unit: UnitEffects, init: NewExecution): ExecutionsTable {
    const { definition } = init
    return {
      id: init.id,
      tenant_id: init.tenantId,
      workflow: definition.name,
      version: definition.version,
      status: 'running',
      input: JSON.stringify(init.input ?? null),
      output: null,
      error: null,
      state: JSON.stringify(initialState(definition.variables)),
      idempotency_key: init.idempotencyKey ?? null,
      correlation_id: init.correlationId ?? null,
      parent_id: init.parentId ?? null,
      depth: init.depth,
      started_by: init.startedBy,
      created_at: unit.now,
      updated_at: unit.now,
      ended_at: null,
      deadline_at: definition.timeoutSeconds ? unit.now + definition.timeoutSeconds * 1000 : null,
      wake_at: null,
      seq: 0,
      rev: 0,
    }
  }

  async function createExecution(unit: Unit, init: NewExecution): Promise<ExecutionSnapshot> {
    const row = initialRow(unit, init)
    await unit.trx.insertInto('cd_executions').values(row).execute()
    const result = await decideWithChildren(unit, row, init.definition, {
      snapshot: snapshotOf(row),
      events: [{ kind: 'start' }],
    })
    await persist(unit, row, result, { keepDueWake: true })
    return result.execution
  }

  /**
   * A start for the fast path: the new execution's first transition, planned to be inserted as it leaves the row
   * (`plan.next.row`), with its status events; undefined when the start needs more than its own rows (a child
   * workflow to start), so it must be taken the locking way.
   */
  async function planStart(
    unit: UnitEffects,
    init: NewExecution,
  ): Promise<{ plan: WritePlan; events: StatusEvent[] } | undefined> {
    const row = initialRow(unit, init)
    const result = await decide({
      definition: init.definition,
      execution: snapshotOf(row),
      events: [{ kind: 'start' }],
      now: unit.now,
      newId,
    })
    if (result.effects.some((effect) => effect.kind !== 'create-task')) return undefined
    return {
      plan: planWrites(unit, row, result, { keepDueWake: true }),
      events: statusEvents(row, result.execution),
    }
  }

  return {
    transition,
    transitionMany,
    decideCached,
    planStart,
    createExecution,
    createTask,
    keepLease,
    cache,
    statements,
  }
}

export type TransitionRunner = ReturnType<typeof createTransitionRunner>

/** The row as the interpreter sees it; `state`, when given, is the row's state already parsed. */
export function snapshotOf(row: ExecutionsTable, state?: ExecutionState): ExecutionSnapshot {
  return {
    id: row.id,
    status: row.status as ExecutionStatus,
    input: JSON.parse(row.input) as unknown,
    state: state ?? (JSON.parse(row.state) as ExecutionState),
    ...(row.output === null ? {} : { output: JSON.parse(row.output) as unknown }),
    ...(row.error === null ? {} : { error: JSON.parse(row.error) as StepError }),
    ...(row.deadline_at === null ? {} : { deadlineAt: Number(row.deadline_at) }),
  }
}

function parseOrNull(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown)
}
