import type { SqlMigration } from '../../../ports/sql-database.js'

/** The Data Steward's file records (portable columns); the bytes live in the file store under `storage_key`. */
export interface FileTables {
  ds_files: {
    id: string
    tenant_id: string
    name: string
    content_type: string
    size: number
    checksum: string
    /** `data` for an uploaded file, `copybook` for the COBOL copybook uploaded with one. */
    role: string
    copybook_id: string | null
    storage_key: string
    created_by: string
    created_at: number
  }
}

export const filesMigration: SqlMigration = {
  name: '0041_data_steward_files',
  async up(db) {
    await db.schema
      .createTable('ds_files')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('checksum', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('copybook_id', 'text')
      .addColumn('storage_key', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('ds_files_newest')
      .on('ds_files')
      .columns(['tenant_id', 'created_at', 'id'])
      .execute()
  },
}
