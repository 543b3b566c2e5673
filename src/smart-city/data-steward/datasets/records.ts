import type { Kysely } from 'kysely'
import type { PageRequest } from '../../../kernel/pagination.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import type { DataStewardDeps } from '../deps.js'
import { dataStewardErrors } from '../errors.js'
import type { DataStewardTables, StewardDb } from '../tables.js'
import type { ColumnInfo } from './columns.js'

export type DatasetKind = 'table' | 'text'

/** Where a dataset came from when a parser made it. */
export interface DatasetSource {
  fileId: string
  parsingType: string
  sheet?: string
}

export interface DatasetRecord {
  id: string
  tenantId: string
  name: string
  kind: DatasetKind
  columns: ColumnInfo[]
  rowCount: number
  sizeBytes: number
  createdBy: string
  createdAt: number
  source?: DatasetSource
}

type Row = DataStewardTables['steward_datasets']

export function datasetFolder(tenantId: string, id: string): string {
  return `tenants/${tenantId}/datasets/${id}`
}

export function datasetKey(record: Pick<DatasetRecord, 'tenantId' | 'id' | 'kind'>): string {
  return `${datasetFolder(record.tenantId, record.id)}/${record.kind === 'table' ? 'rows.jsonl' : 'text.txt'}`
}

function toRecord(row: Row): DatasetRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    kind: row.kind as DatasetKind,
    columns: JSON.parse(row.columns) as ColumnInfo[],
    rowCount: Number(row.row_count),
    sizeBytes: Number(row.size_bytes),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    ...(row.source !== null && { source: JSON.parse(row.source) as DatasetSource }),
  }
}

/** Dataset records in SQL; their rows or text live in the file store under `datasetKey`. */
export function createDatasetRecords(deps: DataStewardDeps) {
  const db = deps.database.db as Kysely<DataStewardTables>
  return {
    async insert(record: DatasetRecord, trx: StewardDb): Promise<void> {
      await trx
        .insertInto('steward_datasets')
        .values({
          id: record.id,
          tenant_id: record.tenantId,
          name: record.name,
          kind: record.kind,
          columns: JSON.stringify(record.columns),
          row_count: record.rowCount,
          size_bytes: record.sizeBytes,
          created_by: record.createdBy,
          created_at: record.createdAt,
          source: record.source === undefined ? null : JSON.stringify(record.source),
        })
        .execute()
    },

    async get(tenantId: string, id: string): Promise<DatasetRecord> {
      const row = await db
        .selectFrom('steward_datasets')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
      if (!row) throw dataStewardErrors.DATASET_NOT_FOUND({ id })
      return toRecord(row)
    },

    list(tenantId: string, page: PageRequest) {
      return pageByCreation(
        db.selectFrom('steward_datasets').selectAll().where('tenant_id', '=', tenantId),
        page,
        toRecord,
        true,
      )
    },

    async existing(tenantId: string, ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set()
      const rows = await db
        .selectFrom('steward_datasets')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', ids)
        .execute()
      return new Set(rows.map((r) => r.id))
    },

    /** Deletes the record; answers it (so the caller can remove its blob), or DATASET_NOT_FOUND. */
    async remove(tenantId: string, id: string): Promise<DatasetRecord> {
      const row = await db
        .deleteFrom('steward_datasets')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      if (!row) throw dataStewardErrors.DATASET_NOT_FOUND({ id })
      return toRecord(row)
    },
  }
}

export type DatasetRecords = ReturnType<typeof createDatasetRecords>
