import type { SqlMigration } from '../../ports/sql-database.js'
import { filesMigration } from './files/tables.js'

/** Datasets (rows live in the file store), the schema registry (one row per version) and lineage edges. */
export const dataStewardCoreMigration: SqlMigration = {
  name: '0040_data_steward_core',
  async up(db) {
    await db.schema
      .createTable('steward_datasets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('columns', 'text', (c) => c.notNull())
      .addColumn('row_count', 'bigint', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('source', 'text')
      .execute()
    await db.schema
      .createIndex('steward_datasets_tenant')
      .on('steward_datasets')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()

    await db.schema
      .createTable('steward_schemas')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('json_schema', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('steward_schemas_version', ['tenant_id', 'name', 'version'])
      .execute()
    await db.schema
      .createIndex('steward_schemas_listing')
      .on('steward_schemas')
      .columns(['tenant_id', 'version', 'created_at', 'id'])
      .execute()

    await db.schema
      .createTable('steward_lineage')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('artifact_id', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('relation', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('steward_lineage_edge', ['tenant_id', 'artifact_id', 'source_id', 'relation'])
      .execute()
    await db.schema
      .createIndex('steward_lineage_downstream')
      .on('steward_lineage')
      .columns(['tenant_id', 'source_id'])
      .execute()
  },
}

export const dataStewardMigrations: SqlMigration[] = [dataStewardCoreMigration, filesMigration]
