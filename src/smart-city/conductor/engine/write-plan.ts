import type { ExecutionsTable, TasksTable, TransitionsTable } from '../tables.js'
import type { DecisionResult, Effect, ExecutionSnapshot } from './decide.js'
import type { CachedExecution } from './execution-cache.js'
import { type ExecutionState, type ExecutionStatus, isTerminal } from './state.js'
import type { UnitEffects } from './unit-effects.js'

/**
 * What one decision writes — its transition's history, its new tasks, the execution's new columns — and the execution as
 * it will then be (for the execution cache). Planning writes nothing; the statements that write plans are in
 * plan-statements.ts.
 */
export interface WritePlan {
  row: ExecutionsTable
  result: DecisionResult
  /** The transition's history row; undefined when it recorded nothing. */
  transition: TransitionsTable | undefined
  tasks: TasksTable[]
  update: ExecutionUpdate
  /**
   * Whether a due `wake_at` already in the row (a finished child's parent is woken that way, without its state
   * changing) survives this write: true unless the transition was a timer, which handles everything due.
   */
  keepDueWake: boolean
  next: CachedExecution
}

export type ExecutionUpdate = Pick<
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

/** The event every status change announces through the Post Office outbox. */
export interface StatusEvent {
  tenantId: string
  type: string
  source: string
  payload: unknown
}

export function planWrites(
  unit: UnitEffects,
  row: ExecutionsTable,
  result: DecisionResult,
  options: { keepDueWake: boolean },
): WritePlan {
  const { execution } = result
  const seq = Number(row.seq)
  const recorded = result.history.length
  const transition =
    recorded === 0
      ? undefined
      : {
          execution_id: row.id,
          seq: seq + recorded,
          tenant_id: row.tenant_id,
          entries: JSON.stringify(result.history),
          at: unit.now,
        }
  const tasks = newTasks(unit, row, result)
  const terminal = isTerminal(execution.status)
  const update: ExecutionUpdate = {
    status: execution.status,
    state: JSON.stringify(execution.state),
    output: execution.output === undefined ? null : JSON.stringify(execution.output),
    error: execution.error === undefined ? null : JSON.stringify(execution.error),
    deadline_at: execution.deadlineAt ?? null,
    wake_at: earliest(result.wakeAt, leasesEnd(execution.state)) ?? null,
    seq: seq + recorded,
    updated_at: unit.now,
    ended_at: terminal ? (row.ended_at ?? unit.now) : null,
  }
  const next = { row: { ...row, ...update, rev: Number(row.rev) + 1 }, state: execution.state }
  return { row, result, transition, tasks, update, keepDueWake: options.keepDueWake, next }
}

/**
 * The rows of the decision's new tasks. A step's task of a type this node runs in-process gets no row: it is leased
 * to this node in its step's state (`StepState.lease`), which is one row write fewer per step, and the row's
 * `wake_at` includes the lease's end so the timer sweep on any node finds it if this node dies (transitions.ts).
 * Leases of steps no longer running, or whose task was replaced, are dropped.
 */
function newTasks(unit: UnitEffects, row: ExecutionsTable, result: DecisionResult): TasksTable[] {
  const { steps } = result.execution.state
  for (const step of Object.values(steps))
    if (step.lease !== undefined && step.status !== 'running') step.lease = undefined
  const rows: TasksTable[] = []
  for (const effect of result.effects) {
    if (effect.kind !== 'create-task') continue
    const task = taskOfEffect(row, effect)
    const step = effect.purpose === 'step' ? steps[effect.stepId] : undefined
    if (step?.lease !== undefined) step.lease = undefined
    const lease = unit.lease?.types.has(task.type) ? unit.lease : undefined
    if (step && lease) {
      step.lease = lease.untilMs
      unit.leased.push({ ...rowOf(unit, task, lease), rowless: true })
    } else rows.push(taskRow(unit, task))
  }
  return rows
}

/** When the earliest in-process lease of these steps ends. */
function leasesEnd(state: ExecutionState): number | undefined {
  let end: number | undefined
  for (const step of Object.values(state.steps)) end = earliest(end, step.lease)
  return end
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b)
}

/** The row of a new task, leased at once when this node handles its type; recorded in the unit for after commit. */
export function taskRow(unit: UnitEffects, task: TaskInit): TasksTable {
  const leaseTo = unit.lease?.types.has(task.type) ? unit.lease : undefined
  const row = rowOf(unit, task, leaseTo)
  unit.created.push(row)
  if (leaseTo) unit.leased.push(row)
  return row
}

function rowOf(unit: UnitEffects, task: TaskInit, leaseTo: UnitEffects['lease']): TasksTable {
  return {
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
}

export function taskOfEffect(
  row: ExecutionsTable,
  effect: Extract<Effect, { kind: 'create-task' }>,
): TaskInit {
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

/**
 * Status changes as Post Office events: `workflow.started`, `.paused`, `.resumed`, `.retried`, `.completed`,
 * `.failed`, `.cancelled`, `.timed_out` (compensating is not announced; its end is).
 */
export function statusEvents(row: ExecutionsTable, execution: ExecutionSnapshot): StatusEvent[] {
  const types: string[] = []
  if (Number(row.seq) === 0) types.push('workflow.started')
  const before = row.status as ExecutionStatus
  if (execution.status !== before && execution.status !== 'compensating') {
    if (execution.status !== 'running') types.push(`workflow.${execution.status}`)
    else if (before === 'paused') types.push('workflow.resumed')
    else if (before === 'failed' || before === 'timed_out') types.push('workflow.retried')
  }
  return types.map((type) => ({
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
  }))
}
