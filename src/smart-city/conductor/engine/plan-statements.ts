import { type RawBuilder, sql } from 'kysely'
import type { SqlDialect } from '../../../ports/sql-database.js'
import {
  type ColumnList,
  flatMapRows,
  insertRowList,
  mapRows,
  type Rows,
  rowListCte,
} from '../../../ports/sql-row-lists.js'
import type { ConductorDb, ExecutionsTable, TasksTable, TransitionsTable } from '../tables.js'
import type { ExecutionUpdate, WritePlan } from './write-plan.js'

/**
 * The statements that write plans. Every write of an execution's state bumps its `rev`; a due `wake_at` already in
 * the row survives unless the plan says the transition handled it (see `WritePlan.keepDueWake`), so a finished
 * child's wake-up of its parent is never overwritten by a transition of the parent that did not look at it.
 */
export function createPlanStatements(dialect: SqlDialect) {
  const postgres = dialect === 'postgres'
  const earliest = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
    postgres ? sql`least(${a}, ${b})` : sql`min(${a}, coalesce(${b}, ${a}))`

  /** The plans' new execution columns as the list `v`, with each row's revision when planned. */
  function updateValues(plans: Rows<WritePlan>) {
    const rows = mapRows(plans, ({ row, update, keepDueWake }) => ({
      id: row.id,
      ...update,
      keep_due: keepDueWake ? 1 : 0,
      rev: Number(row.rev),
    }))
    return rowListCte(dialect, 'v', updateColumns, rows)
  }

  /** The executions' update from `v`; `conditional` adds that each row is still at the revision it was planned on. */
  function update(conditional: boolean) {
    const current = sql.ref('cd_executions.wake_at')
    return sql`update cd_executions set
        status = v.status, state = v.state, output = v.output, error = v.error, deadline_at = v.deadline_at,
        wake_at = case when v.keep_due = 1 and ${current} <= v.updated_at
          then ${earliest(current, sql.ref('v.wake_at'))} else v.wake_at end,
        seq = v.seq, updated_at = v.updated_at, ended_at = v.ended_at, rev = cd_executions.rev + 1
      from v where cd_executions.id = v.id${conditional ? sql` and cd_executions.rev = v.rev` : sql``}
      returning cd_executions.wake_at`
  }

  /** The plans' transition rows as an INSERT (built by hand: the query builder's checks cost more here). */
  const historyInsert = (plans: Rows<WritePlan>) =>
    insertRowList(
      dialect,
      { table: 'cd_transitions', columns: transitionColumns },
      flatMapRows(plans, transitionOf),
    )

  /** The plans' new task rows as an INSERT. */
  const tasksInsert = (plans: Rows<WritePlan>) =>
    insertRowList(
      dialect,
      { table: 'cd_tasks', columns: taskColumns },
      flatMapRows(plans, (plan) => plan.tasks),
    )

  /** The INSERTs of the plans' transition rows and new tasks, each when there is any. */
  function historyAndTasks(plans: readonly WritePlan[]) {
    return {
      history: plans.some((plan) => plan.transition) ? historyInsert(plans) : undefined,
      tasks: plans.some((plan) => plan.tasks.length > 0) ? tasksInsert(plans) : undefined,
    }
  }

  return {
    postgres,
    updateValues,
    update,
    historyInsert,
    tasksInsert,
    historyAndTasks,

    /**
     * Writes plans of executions the caller has locked: three statements at most whatever their number, one round
     * trip on PostgreSQL (history and new tasks ride along as data-modifying CTEs; SQLite has none).
     */
    async writeLocked(store: ConductorDb, plans: readonly WritePlan[]): Promise<void> {
      if (plans.length === 0) return
      const { history, tasks } = historyAndTasks(plans)
      const ctes = [updateValues(plans)]
      if (postgres) {
        if (history) ctes.push(sql`h as (${history})`)
        if (tasks) ctes.push(sql`t as (${tasks})`)
      } else {
        if (history) await history.execute(store)
        if (tasks) await tasks.execute(store)
      }
      await sql`with ${sql.join(ctes)} ${update(false)}`.execute(store)
    },

    /**
     * New executions' rows as their plans leave them (a start inserts its first transition's outcome at once): the
     * VALUES list `s` and the insert from it, which skips a start of a workflow's latest version when a newer
     * version exists.
     */
    insertStarts(starts: Rows<{ plan: WritePlan; latestOnly: boolean }>) {
      const rows = mapRows(starts, ({ plan, latestOnly }) => ({
        ...plan.next.row,
        latest_only: latestOnly ? 1 : 0,
      }))
      const names = sql.join(executionColumns.map(([c]) => sql.id(c)))
      return {
        values: rowListCte(dialect, 's', startColumns, rows),
        insert: sql`insert into cd_executions (${names})
          select ${sql.join(executionColumns.map(([c]) => sql.ref(`s.${c}`)))} from s
          where s.latest_only = 0 or not exists (select 1 from cd_workflows w
            where w.tenant_id = s.tenant_id and w.name = s.workflow and w.version > s.version)
          returning 1`,
      }
    },
  }
}

const transitionOf = (plan: WritePlan) => (plan.transition ? [plan.transition] : [])

const transitionColumns: ColumnList<TransitionsTable> = [
  ['execution_id', 'text'],
  ['seq', 'integer'],
  ['tenant_id', 'text'],
  ['entries', 'document'],
  ['at', 'bigint'],
]

const taskColumns: ColumnList<TasksTable> = [
  ['id', 'text'],
  ['tenant_id', 'text'],
  ['execution_id', 'text'],
  ['step_id', 'text'],
  ['purpose', 'text'],
  ['attempt', 'integer'],
  ['max_attempts', 'integer'],
  ['type', 'text'],
  ['input', 'text'],
  ['status', 'text'],
  ['worker_id', 'text'],
  ['claimable_at', 'bigint'],
  ['lease_expires_at', 'bigint'],
  ['deliveries', 'integer'],
  ['output', 'text'],
  ['error', 'text'],
  ['created_by', 'text'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['completed_at', 'bigint'],
]

const executionColumns: ColumnList<ExecutionsTable> = [
  ['id', 'text'],
  ['tenant_id', 'text'],
  ['workflow', 'text'],
  ['version', 'integer'],
  ['status', 'text'],
  ['input', 'text'],
  ['output', 'text'],
  ['error', 'text'],
  ['state', 'document'],
  ['idempotency_key', 'text'],
  ['correlation_id', 'text'],
  ['parent_id', 'text'],
  ['depth', 'integer'],
  ['started_by', 'text'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['ended_at', 'bigint'],
  ['deadline_at', 'bigint'],
  ['wake_at', 'bigint'],
  ['seq', 'integer'],
  ['rev', 'integer'],
]

const startColumns: ColumnList<ExecutionsTable & { latest_only: number }> = [
  ...executionColumns,
  ['latest_only', 'integer'],
]

type UpdateRow = ExecutionUpdate & { id: string; keep_due: number; rev: number }
const updateColumns: ColumnList<UpdateRow> = [
  ['id', 'text'],
  ['status', 'text'],
  ['state', 'document'],
  ['output', 'text'],
  ['error', 'text'],
  ['deadline_at', 'bigint'],
  ['wake_at', 'bigint'],
  ['seq', 'integer'],
  ['updated_at', 'bigint'],
  ['ended_at', 'bigint'],
  ['keep_due', 'integer'],
  ['rev', 'integer'],
]

export type PlanStatements = ReturnType<typeof createPlanStatements>
