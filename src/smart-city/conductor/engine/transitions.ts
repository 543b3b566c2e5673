import { sql, type Transaction } from 'kysely'
import type { AnyDatabase } from '../../../ports/sql-database.js'
import type { DefinitionStore } from '../definitions/store.js'
import type { WorkflowDefinition } from '../definitions/types.js'
import { conductorErrors } from '../errors.js'
import { type ConductorDeps, maxSubworkflowDepth } from '../module.js'
import type { ConductorTables, ExecutionsTable, HistoryTable, TasksTable } from '../tables.js'
import { type CachedState, createStateCache } from './state-cache.js'
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

export interface Unit {
  trx: ConductorTrx
  now: number
  /** Tasks created in this unit, for wake-up hints after commit. */
  created: TasksTable[]
  /** When set, new tasks of these types are leased to this worker at once. */
  lease?: { workerId: string; types: ReadonlySet<string>; untilMs: number }
  leased: TasksTable[]
  /** Something became due at once (a finished child's parent, a zero delay): sweep right after commit. */
  wake: boolean
  /** Events were written to the outbox: wake its dispatchers after commit. */
  published: boolean
  /** Execution states this unit wrote, parsed, for the state cache once the unit commits. */
  states: CachedState[]
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
  return {
    trx: trx as ConductorTrx,
    now,
    created: [],
    leased: [],
    wake: false,
    published: false,
    states: [],
  }
}

const cachedStates = 4096

export function createTransitionRunner(deps: ConductorDeps, definitions: DefinitionStore) {
  const postgres = deps.database.dialect === 'postgres'
  const stateCache = createStateCache(cachedStates)
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
    await persist(unit, row, result)
    return result.execution
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

  async function persist(unit: Unit, row: ExecutionsTable, result: DecisionResult): Promise<void> {
    const plan = planWrites(unit, row, result)
    await writePlans(unit, [plan])
    await afterWrites(unit, plan)
  }

  /** The rows one decision writes: its history, its new tasks and the execution's new columns. */
  function planWrites(unit: Unit, row: ExecutionsTable, result: DecisionResult): WritePlan {
    const { execution } = result
    const seq = Number(row.seq)
    const history = result.history.map((entry, index) => ({
      execution_id: row.id,
      seq: seq + index + 1,
      tenant_id: row.tenant_id,
      type: entry.type,
      step_id: entry.stepId ?? null,
      data: entry.data === undefined ? null : JSON.stringify(entry.data),
      at: unit.now,
    }))
    const tasks = result.effects.flatMap((effect) =>
      effect.kind === 'create-task' ? [taskRow(unit, taskOfEffect(row, effect))] : [],
    )
    const terminal = isTerminal(execution.status)
    const update: ExecutionUpdate = {
      status: execution.status,
      state: JSON.stringify(execution.state),
      output: execution.output === undefined ? null : JSON.stringify(execution.output),
      error: execution.error === undefined ? null : JSON.stringify(execution.error),
      deadline_at: execution.deadlineAt ?? null,
      wake_at: result.wakeAt ?? null,
      seq: seq + result.history.length,
      updated_at: unit.now,
      ended_at: terminal ? (row.ended_at ?? unit.now) : null,
    }
    return { row, result, history, tasks, update }
  }

  /**
   * Writes the plans' rows in three statements at most, whatever their number: the executions' update takes its
   * rows from a VALUES list. On PostgreSQL it is one round trip, history and new tasks riding along as
   * data-modifying CTEs (SQLite has none, so there they are statements of their own).
   */
  async function writePlans(unit: Unit, plans: WritePlan[]): Promise<void> {
    const history = plans.flatMap((plan) => plan.history)
    const tasks = plans.flatMap((plan) => plan.tasks)
    const ctes = []
    if (postgres) {
      if (history.length > 0) ctes.push(sql`h as (${unit.trx.insertInto('cd_history').values(history)})`)
      if (tasks.length > 0) ctes.push(sql`t as (${unit.trx.insertInto('cd_tasks').values(tasks)})`)
    } else {
      if (history.length > 0) await unit.trx.insertInto('cd_history').values(history).execute()
      if (tasks.length > 0) await unit.trx.insertInto('cd_tasks').values(tasks).execute()
    }
    // PostgreSQL types a VALUES list by its first row, so its numbers are cast; SQLite takes them as they come.
    const big = postgres ? sql`::bigint` : sql``
    const values = plans.map(
      ({ row, update: u }) =>
        sql`(${row.id}, ${u.status}, ${u.state}, ${u.output}, ${u.error}, ${u.deadline_at}${big}, ${u.wake_at}${big}, ${u.seq}${big}, ${u.updated_at}${big}, ${u.ended_at}${big})`,
    )
    ctes.unshift(
      sql`v(id, status, state, output, error, deadline_at, wake_at, seq, updated_at, ended_at) as (values ${sql.join(values)})`,
    )
    await sql`with ${sql.join(ctes)} update cd_executions set
        status = v.status, state = v.state, output = v.output, error = v.error, deadline_at = v.deadline_at,
        wake_at = v.wake_at, seq = v.seq, updated_at = v.updated_at, ended_at = v.ended_at
      from v where cd_executions.id = v.id`.execute(unit.trx)
  }

  /** What follows a plan's writes: status events, wake-ups, effects other than new tasks, the parent's wake-up. */
  async function afterWrites(unit: Unit, { row, result }: WritePlan): Promise<void> {
    const { execution } = result
    await publishStatus(unit, row, execution)
    // Only after progress: a due time the decision just left as it was would otherwise be swept again and again.
    if (result.wakeAt !== undefined && result.wakeAt <= unit.now && result.history.length > 0)
      unit.wake = true
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
      const snapshot = snapshotOf(row, stateCache.take(row.id, row.state))
      const result = await decideWithChildren(unit, row, definition, { snapshot, events })
      const plan = planWrites(unit, row, result)
      plans.push(plan)
      unit.states.push({ executionId: row.id, text: plan.update.state, state: result.execution.state })
    }
    await writePlans(unit, plans)
    for (const plan of plans) await afterWrites(unit, plan)
  }

  /**
   * Status changes as Post Office events: `workflow.started`, `.paused`, `.resumed`, `.retried`, `.completed`,
   * `.failed`, `.cancelled`, `.timed_out` (compensating is not announced; its end is).
   */
  async function publishStatus(
    unit: Unit,
    row: ExecutionsTable,
    execution: ExecutionSnapshot,
  ): Promise<void> {
    const types: string[] = []
    if (Number(row.seq) === 0) types.push('workflow.started')
    const before = row.status as ExecutionStatus
    if (execution.status !== before && execution.status !== 'compensating') {
      if (execution.status !== 'running') types.push(`workflow.${execution.status}`)
      else if (before === 'paused') types.push('workflow.resumed')
      else if (before === 'failed' || before === 'timed_out') types.push('workflow.retried')
    }
    for (const type of types) await publish(unit, row, execution, type)
  }

  async function publish(unit: Unit, row: ExecutionsTable, execution: ExecutionSnapshot, type: string) {
    if (!deps.events) return
    await deps.events.publishInTransaction(unit.trx, {
      tenantId: row.tenant_id,
      type,
      source: 'service:conductor',
      payload: {
        executionId: row.id,
        workflow: row.workflow,
        version: Number(row.version),
        status: execution.status,
        correlationId: row.correlation_id,
        parentId: row.parent_id,
        ...(isTerminal(execution.status)
          ? { output: execution.output ?? null, error: execution.error ?? null }
          : {}),
      },
    })
    unit.published = true
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

  /** The row of a new task, leased at once when this node handles its type; recorded in the unit for after commit. */
  function taskRow(unit: Unit, task: TaskInit): TasksTable {
    const leaseTo = unit.lease?.types.has(task.type) ? unit.lease : undefined
    const row: TasksTable = {
      id: task.id,
      tenant_id: task.tenantId,
      execution_id: task.executionId ?? null,
      step_id: task.stepId ?? null,
      purpose: task.purpose,
      attempt: task.attempt,
      max_attempts: task.maxAttempts,
      type: task.type,
      input: JSON.stringify(task.input ?? null),
      status: leaseTo ? 'leased' : 'queued',
      worker_id: leaseTo?.workerId ?? null,
      claimable_at: leaseTo ? leaseTo.untilMs : unit.now,
      lease_expires_at: leaseTo?.untilMs ?? null,
      deliveries: leaseTo ? 1 : 0,
      output: null,
      error: null,
      created_by: task.createdBy,
      created_at: unit.now,
      updated_at: unit.now,
      completed_at: null,
    }
    unit.created.push(row)
    if (leaseTo) unit.leased.push(row)
    return row
  }

  async function createExecution(unit: Unit, init: NewExecution): Promise<ExecutionSnapshot> {
    const { definition } = init
    const row: ExecutionsTable = {
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
    }
    await unit.trx.insertInto('cd_executions').values(row).execute()
    const result = await decideWithChildren(unit, row, definition, {
      snapshot: snapshotOf(row),
      events: [{ kind: 'start' }],
    })
    await persist(unit, row, result)
    return result.execution
  }

  return { transition, transitionMany, createExecution, createTask, stateCache }
}

function taskOfEffect(row: ExecutionsTable, effect: Extract<Effect, { kind: 'create-task' }>): TaskInit {
  return {
    id: effect.taskId,
    tenantId: row.tenant_id,
    executionId: row.id,
    stepId: effect.stepId,
    purpose: effect.purpose,
    attempt: effect.attempt,
    maxAttempts: 1,
    type: effect.type,
    input: effect.input,
    createdBy: row.started_by,
  }
}

interface WritePlan {
  row: ExecutionsTable
  result: DecisionResult
  history: HistoryTable[]
  tasks: TasksTable[]
  update: ExecutionUpdate
}

type ExecutionUpdate = Pick<
  ExecutionsTable,
  'status' | 'state' | 'output' | 'error' | 'deadline_at' | 'wake_at' | 'seq' | 'updated_at' | 'ended_at'
>

export interface TaskInit {
  id: string
  tenantId: string
  executionId?: string
  stepId?: string
  purpose: 'step' | 'compensation' | 'standalone'
  attempt: number
  maxAttempts: number
  type: string
  input: unknown
  createdBy: string
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
