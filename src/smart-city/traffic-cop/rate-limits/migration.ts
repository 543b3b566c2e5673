import type { SqlMigration } from '../../../ports/sql-database.js'

/** Tenant-defined rate-limit policies; names are a per-tenant namespace. `routes` is a JSON array as text. */
export const rateLimitsMigration: SqlMigration = {
  name: '0004_traffic_cop_rate_limits',
  async up(db) {
    await db.schema
      .createTable('tc_rate_limit_policies')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('limit_count', 'integer', (c) => c.notNull())
      .addColumn('window_seconds', 'integer', (c) => c.notNull())
      .addColumn('routes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tc_rate_limit_policies_pk', ['tenant_id', 'name'])
      .execute()
  },
}
