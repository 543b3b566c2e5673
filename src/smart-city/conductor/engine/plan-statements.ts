import { type RawBuilder, sql } from 'kysely'
import type { SqlDialect } from '../../../ports/sql-database.js'
import type { ConductorDb, ExecutionsTable, HistoryTable, TasksTable } from '../tables.js'
import type { WritePlan } from './write-plan.js'

/**
 * The statements that write plans. Every write of an execution's state bumps its `rev`; a due `wake_at` already in
 * the row survives unless the plan says the transition handled it (see `WritePlan.keepDueWake`), so a finished
 * child's wake-up of its parent is never overwritten by a transition of the parent that did not look at it.
 */
export function createPlanStatements(dialect: SqlDialect) {
  const postgres = dialect === 'postgres'
  // PostgreSQL types a VALUES list by its first row, so its numbers are cast; SQLite takes them as they come.
  const big = postgres ? sql`::bigint` : sql``
  const int = postgres ? sql`::integer` : sql``
  const earliest = (a: RawBuilder<unknown>, b: RawBuilder<unknown>) =>
    postgres ? sql`least(${a}, ${b})` : sql`min(${a}, coalesce(${b}, ${a}))`

  function updateValues(plans: readonly WritePlan[]) {
    const values = plans.map(
      ({ row, update: u, keepDueWake }) =>
        sql`(${row.id}, ${u.status}, ${u.state}, ${u.output}, ${u.error}, ${u.deadline_at}${big}, ${u.wake_at}${big}, ${u.seq}${big}, ${u.updated_at}${big}, ${u.ended_at}${big}, ${keepDueWake ? 1 : 0}${int}, ${Number(row.rev)}${int})`,
    )
    return sql`v(id, status, state, output, error, deadline_at, wake_at, seq, updated_at, ended_at, keep_due, rev) as (values ${sql.join(values)})`
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

  /** The plans' history rows and new tasks as INSERTs (built by hand: the query builder's checks cost more here). */
  function historyAndTasks(plans: readonly WritePlan[]) {
    const history = plans.flatMap((plan) => plan.history)
    const tasks = plans.flatMap((plan) => plan.tasks)
    return {
      history: history.length > 0 ? insertRows('cd_history', historyColumns, history) : undefined,
      tasks: tasks.length > 0 ? insertRows('cd_tasks', taskColumns, tasks) : undefined,
    }
  }

  return {
    postgres,
    updateValues,
    update,
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
    insertStarts(starts: readonly { plan: WritePlan; latestOnly: boolean }[]) {
      const columns = Object.keys(starts[0]!.plan.next.row) as (keyof ExecutionsTable)[]
      const names = sql.join(columns.map((c) => sql.id(c)))
      const values = starts.map(
        ({ plan, latestOnly }) =>
          sql`(${sql.join(columns.map((c) => valueOf(plan.next.row, c)))}, ${latestOnly ? 1 : 0}${int})`,
      )
      return {
        values: sql`s(${names}, latest_only) as (values ${sql.join(values)})`,
        insert: sql`insert into cd_executions (${names})
          select ${sql.join(columns.map((c) => sql.ref(`s.${c}`)))} from s
          where s.latest_only = 0 or not exists (select 1 from cd_workflows w
            where w.tenant_id = s.tenant_id and w.name = s.workflow and w.version > s.version)
          returning 1`,
      }
    },
  }

  function valueOf(row: ExecutionsTable, column: keyof ExecutionsTable) {
    const cast = executionColumnTypes[column]
    return sql`${row[column]}${cast === 'bigint' ? big : cast === 'integer' ? int : sql``}`
  }
}

function insertRows<Row extends object>(
  table: string,
  columns: readonly (keyof Row & string)[],
  rows: Row[],
) {
  const values = rows.map((row) => sql`(${sql.join(columns.map((c) => row[c]))})`)
  return sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.id(c)))}) values ${sql.join(values)}`
}

const historyColumns = [
  'execution_id',
  'seq',
  'tenant_id',
  'type',
  'step_id',
  'data',
  'at',
] as const satisfies readonly (keyof HistoryTable)[]

const taskColumns = [
  'id',
  'tenant_id',
  'execution_id',
  'step_id',
  'purpose',
  'attempt',
  'max_attempts',
  'type',
  'input',
  'status',
  'worker_id',
  'claimable_at',
  'lease_expires_at',
  'deliveries',
  'output',
  'error',
  'created_by',
  'created_at',
  'updated_at',
  'completed_at',
] as const satisfies readonly (keyof TasksTable)[]

/** The executions' columns that are not text, for typing a VALUES list on PostgreSQL. */
const executionColumnTypes: Partial<Record<keyof ExecutionsTable, 'bigint' | 'integer'>> = {
  version: 'integer',
  depth: 'integer',
  seq: 'integer',
  rev: 'integer',
  created_at: 'bigint',
  updated_at: 'bigint',
  ended_at: 'bigint',
  deadline_at: 'bigint',
  wake_at: 'bigint',
}

export type PlanStatements = ReturnType<typeof createPlanStatements>
