import type { Kysely, Transaction } from 'kysely'

/** The Data Steward's tables (portable columns: ids text, epoch-ms bigints, JSON as text). */
export interface DataStewardTables {
  steward_datasets: {
    id: string
    tenant_id: string
    name: string
    /** `table` (rows in `rows.jsonl`) or `text` (one document in `text.txt`). */
    kind: string
    /** JSON `ColumnInfo[]`. */
    columns: string
    row_count: number
    size_bytes: number
    created_by: string
    created_at: number
    /** JSON `{fileId, parsingType, sheet?}` or null. */
    source: string | null
  }
  steward_schemas: {
    id: string
    tenant_id: string
    name: string
    version: number
    json_schema: string
    created_by: string
    created_at: number
  }
  steward_lineage: {
    tenant_id: string
    artifact_id: string
    source_id: string
    relation: string
    created_at: number
  }
}

export type StewardDb = Kysely<DataStewardTables> | Transaction<DataStewardTables>
