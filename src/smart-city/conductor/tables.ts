import type { Kysely, Transaction } from 'kysely'

export interface WorkflowsTable {
  tenant_id: string
  name: string
  version: number
  definition: string
  created_at: number
  created_by: string
}

export interface ExecutionsTable {
  id: string
  tenant_id: string
  workflow: string
  version: number
  status: string
  input: string
  output: string | null
  error: string | null
  state: string
  idempotency_key: string | null
  correlation_id: string | null
  parent_id: string | null
  depth: number
  started_by: string
  created_at: number
  updated_at: number
  ended_at: number | null
  deadline_at: number | null
  wake_at: number | null
  /** The last history sequence number written. */
  seq: number
  /** How many times the state was written (the fast path's condition, see migration.ts). */
  rev: number
}

/**
 * One row per transition: its history entries, a JSON array of `{type, stepId?, data?}`, numbered up to `seq` (the
 * execution's `seq` after the transition), so the first is `seq - entries.length + 1`.
 */
export interface TransitionsTable {
  execution_id: string
  seq: number
  tenant_id: string
  entries: string
  at: number
}

export interface TasksTable {
  id: string
  tenant_id: string
  execution_id: string | null
  step_id: string | null
  purpose: string
  attempt: number
  max_attempts: number
  type: string
  input: string
  status: string
  worker_id: string | null
  /** When the task may next be claimed: its availability while queued, its lease end while leased; null once done. */
  claimable_at: number | null
  lease_expires_at: number | null
  deliveries: number
  output: string | null
  error: string | null
  created_by: string
  created_at: number
  updated_at: number
  completed_at: number | null
}

export interface ConductorTables {
  cd_workflows: WorkflowsTable
  cd_executions: ExecutionsTable
  cd_transitions: TransitionsTable
  cd_tasks: TasksTable
}

export type ConductorDb = Kysely<ConductorTables> | Transaction<ConductorTables>
