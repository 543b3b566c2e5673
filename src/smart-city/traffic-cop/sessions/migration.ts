import type { SqlMigration } from '../../../ports/sql-database.js'

/** Sessions, their current state, and the recent versions kept so WebSocket subscribers can catch up. */
export const sessionsMigration: SqlMigration = {
  name: '0003_traffic_cop_sessions',
  async up(db) {
    await db.schema
      .createTable('tc_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('session_type', 'text', (c) => c.notNull())
      .addColumn('context', 'text', (c) => c.notNull())
      .addColumn('route_to', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_active_at', 'bigint', (c) => c.notNull())
      .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('end_reason', 'text')
      .execute()
    await db.schema
      .createIndex('tc_sessions_owner')
      .on('tc_sessions')
      .columns(['tenant_id', 'user_id', 'created_at', 'id'])
      .execute()
    await db.schema
      .createIndex('tc_sessions_status')
      .on('tc_sessions')
      .columns(['status', 'idle_expires_at'])
      .execute()

    await db.schema
      .createTable('tc_session_state')
      .addColumn('session_id', 'text', (c) => c.primaryKey().references('tc_sessions.id'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('tc_state_versions')
      .addColumn('session_id', 'text', (c) => c.notNull().references('tc_sessions.id'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('changed_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tc_state_versions_pk', ['session_id', 'version'])
      .execute()
  },
}
