import type { SqlMigration } from '../../../ports/sql-database.js'

/** External services of a tenant (their balancing strategy) and their registered instances with heartbeat expiry. */
export const instancesMigration: SqlMigration = {
  name: '0006_traffic_cop_instances',
  async up(db) {
    await db.schema
      .createTable('tc_external_services')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('strategy', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('tc_external_services_pk', ['tenant_id', 'name'])
      .execute()
    await db.schema
      .createTable('tc_service_instances')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addColumn('health_url', 'text')
      .addColumn('capabilities', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('tc_service_instances_service')
      .on('tc_service_instances')
      .columns(['tenant_id', 'service', 'expires_at'])
      .execute()
  },
}
