import { sql } from 'kysely'
import type { SqlMigration } from '../../ports/sql-database.js'

/** Definitions, executions with their append-only history, and the task queue shared by every node. */
export const conductorMigration: SqlMigration = {
  name: '0010_conductor_core',
  async up(db) {
    await db.schema
      .createTable('cd_workflows')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cd_workflows_pk', ['tenant_id', 'name', 'version'])
      .execute()

    await db.schema
      .createTable('cd_executions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('workflow', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('correlation_id', 'text')
      .addColumn('parent_id', 'text')
      .addColumn('depth', 'integer', (c) => c.notNull())
      .addColumn('started_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('deadline_at', 'bigint')
      .addColumn('wake_at', 'bigint')
      .addColumn('seq', 'integer', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('cd_executions_idempotency')
      .on('cd_executions')
      .columns(['tenant_id', 'idempotency_key'])
      .unique()
      .execute()
    await db.schema
      .createIndex('cd_executions_list')
      .on('cd_executions')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()
    await db.schema.createIndex('cd_executions_wake').on('cd_executions').column('wake_at').execute()
    await db.schema.createIndex('cd_executions_parent').on('cd_executions').column('parent_id').execute()

    await db.schema
      .createTable('cd_history')
      .addColumn('execution_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('step_id', 'text')
      .addColumn('data', 'text')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('cd_history_pk', ['execution_id', 'seq'])
      .execute()

    await db.schema
      .createTable('cd_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('execution_id', 'text')
      .addColumn('step_id', 'text')
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('worker_id', 'text')
      .addColumn('claimable_at', 'bigint')
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('deliveries', 'integer', (c) => c.notNull())
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .execute()
    await db.schema.createIndex('cd_tasks_claim').on('cd_tasks').columns(['type', 'claimable_at']).execute()
    await db.schema
      .createIndex('cd_tasks_list')
      .on('cd_tasks')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()
    await db.schema.createIndex('cd_tasks_execution').on('cd_tasks').column('execution_id').execute()
  },
}

const partialIndexes: [string, string, string[], string][] = [
  ['cd_tasks_claim', 'cd_tasks', ['type', 'claimable_at'], 'claimable_at'],
  ['cd_executions_wake', 'cd_executions', ['wake_at'], 'wake_at'],
  ['cd_executions_parent', 'cd_executions', ['parent_id'], 'parent_id'],
  ['cd_executions_idempotency', 'cd_executions', ['tenant_id', 'idempotency_key'], 'idempotency_key'],
]

/**
 * `rev` counts the writes of an execution's state, so a node that still holds the state it wrote last can write the
 * next transition without reading the row first, on condition that `rev` is unchanged (the fast path, see
 * engine/fast-writes.ts). On PostgreSQL that write is one statement, which `cd_require_rows` aborts as a whole when
 * it touched fewer rows than it meant to (a change by another node in between).
 */
export const conductorRevisionMigration: SqlMigration = {
  name: '0011_conductor_revisions',
  async up(db, dialect) {
    await db.schema
      .alterTable('cd_executions')
      .addColumn('rev', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    // Indexes that hold only the rows their queries can find: a finished task is never claimable, most executions
    // have no timer, parent or idempotency key. Every step writes these tables, and an index a row is not in costs
    // that write nothing. Nothing looks tasks up by execution.
    await db.schema.dropIndex('cd_tasks_execution').execute()
    for (const [name, table, columns, column] of partialIndexes) {
      await db.schema.dropIndex(name).execute()
      await sql`create ${sql.raw(name === 'cd_executions_idempotency' ? 'unique ' : '')}index ${sql.id(name)}
        on ${sql.table(table)} (${sql.join(columns.map((c) => sql.id(c)))}) where ${sql.id(column)} is not null`.execute(
        db,
      )
    }
    if (dialect !== 'postgres') return
    await sql`create or replace function cd_require_rows(matched bigint, wanted bigint) returns bigint
      language plpgsql as $$
      begin
        if matched <> wanted then
          raise exception 'conductor fast write: % of % rows matched', matched, wanted using errcode = '40001';
        end if;
        return matched;
      end $$`.execute(db)
  },
}

/**
 * History as one row per transition (its entries a JSON array) instead of one row per entry: a step's transition
 * records three or more entries, and every row written costs its insert and its index entry. Existing entries
 * become one-entry transitions with their sequence numbers.
 */
export const conductorTransitionsMigration: SqlMigration = {
  name: '0012_conductor_transitions',
  async up(db, dialect) {
    await db.schema
      .createTable('cd_transitions')
      .addColumn('execution_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('entries', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('cd_transitions_pk', ['execution_id', 'seq'])
      .execute()
    const entry =
      dialect === 'postgres'
        ? sql`json_build_array(json_strip_nulls(json_build_object('type', type, 'stepId', step_id,
            'data', data::json)))::text`
        : sql`json_array(json_object('type', type, 'stepId', step_id, 'data', json(data)))`
    await sql`insert into cd_transitions (execution_id, seq, tenant_id, entries, at)
      select execution_id, seq, tenant_id, ${entry}, at from cd_history`.execute(db)
    await db.schema.dropTable('cd_history').execute()
  },
}

/**
 * Room on each page of `cd_executions` for the next version of its rows: every step rewrites its execution's row
 * (a few kilobytes of state), and PostgreSQL can update a row in place of its indexes (a HOT update) only when the
 * new version fits on the same page. At half-full pages about 82% of the benchmark's updates were HOT, against 67%
 * with full pages. Pages written before keep their fill until rewritten. SQLite has no such setting.
 */
export const conductorFillFactorMigration: SqlMigration = {
  name: '0013_conductor_fill_factor',
  async up(db, dialect) {
    if (dialect === 'postgres') await sql`alter table cd_executions set (fillfactor = 50)`.execute(db)
  },
}
