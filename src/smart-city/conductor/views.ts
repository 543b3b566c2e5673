import { stepIndexOf } from './definitions/step-index.js'
import type { WorkflowDefinition } from './definitions/types.js'
import type { ExecutionState, StepError } from './engine/state.js'
import type { HistoryEntry } from './engine/decide.js'
import type { ExecutionsTable, TasksTable, TransitionsTable } from './tables.js'

const iso = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)).toISOString())
const parsed = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown))

export function executionSummary(row: ExecutionsTable) {
  return {
    id: row.id,
    workflow: row.workflow,
    version: Number(row.version),
    status: row.status,
    correlationId: row.correlation_id,
    parentId: row.parent_id,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    endedAt: iso(row.ended_at),
  }
}

export function executionView(row: ExecutionsTable, definition: WorkflowDefinition) {
  const state = JSON.parse(row.state) as ExecutionState
  const index = stepIndexOf(definition)
  const steps = Object.entries(state.steps).map(([id, s]) => ({
    id,
    type: index.byId.get(id)?.type ?? 'unknown',
    status: s.status,
    attempt: s.attempt,
    input: s.input ?? null,
    output: s.output ?? null,
    error: s.error ?? null,
    taskId: s.taskId ?? null,
    childId: s.childId ?? null,
    iteration: s.iteration ?? null,
    startedAt: iso(s.startedAt)!,
    endedAt: iso(s.endedAt ?? null),
    wakeAt: iso(s.wakeAt ?? null),
  }))
  return {
    ...executionSummary(row),
    input: parsed(row.input),
    output: parsed(row.output),
    error: parsed(row.error) as StepError | null,
    variables: state.variables,
    steps,
    deadlineAt: iso(row.deadline_at),
    wakeAt: iso(row.wake_at),
  }
}

export interface NumberedEntry extends HistoryEntry {
  seq: number
  at: number
}

/** The entries of these transition rows after sequence number `after`, numbered, oldest first. */
export function historyEntries(rows: readonly TransitionsTable[], after: number): NumberedEntry[] {
  return rows.flatMap((row) => {
    const entries = JSON.parse(row.entries) as HistoryEntry[]
    const first = Number(row.seq) - entries.length + 1
    return entries
      .map((entry, i) => ({ ...entry, seq: first + i, at: Number(row.at) }))
      .filter((entry) => entry.seq > after)
  })
}

export function historyView(entry: NumberedEntry) {
  return {
    seq: entry.seq,
    type: entry.type,
    stepId: entry.stepId ?? null,
    data: entry.data ?? null,
    at: iso(entry.at)!,
  }
}

export function taskView(row: TasksTable) {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    input: parsed(row.input),
    output: parsed(row.output),
    error: parsed(row.error),
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    executionId: row.execution_id,
    stepId: row.step_id,
    purpose: row.purpose,
    workerId: row.worker_id,
    leaseExpiresAt: iso(row.lease_expires_at),
    deliveries: Number(row.deliveries),
    createdAt: iso(row.created_at)!,
    completedAt: iso(row.completed_at),
  }
}
