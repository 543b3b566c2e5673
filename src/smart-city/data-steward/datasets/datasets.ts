import { Readable } from 'node:stream'
import type { PageRequest } from '../../../kernel/pagination.js'
import type { DataStewardDeps, TenantContext } from '../deps.js'
import { dataStewardErrors } from '../errors.js'
import type { Lineage, LineageSource } from '../lineage/lineage.js'
import type { ColumnInfo } from './columns.js'
import { jsonRowsOf, linesOf } from './json-lines.js'
import {
  type DatasetKind,
  type DatasetRecord,
  type DatasetSource,
  createDatasetRecords,
  datasetKey,
} from './records.js'
import { type TableWriter, openTableStream } from './table-writer.js'

export interface NewDataset {
  name: string
  /** What the dataset was made from: ids (relation `derived_from`) or `{id, relation}`; recorded as lineage. */
  derivedFrom: (string | LineageSource)[]
  /** The parsed file; also recorded as lineage (`parsed_from`) when `derivedFrom` does not name it. */
  source?: DatasetSource
  /** The producer passes its columns to `finish` (a parser knows them); rows are then not inspected for them. */
  columnsDeclared?: boolean
  /** The column names in order: rows may then be written as JSON values aligned to them (`writeJsonValues`). */
  columnNames?: readonly string[]
}

export type DatasetWriter = TableWriter<DatasetRecord>

export interface PreviewBounds {
  maxRows: number
  maxColumns: number
}

export interface DatasetPreview {
  id: string
  kind: DatasetKind
  columns: ColumnInfo[]
  rows: Record<string, unknown>[]
  /** For text datasets: the first `maxRows` lines. */
  text?: string
  totalRows: number
  totalColumns: number
  truncated: boolean
}

const namePattern = /^[^\p{Cc}]{1,200}$/u

function lineageOf(input: NewDataset): LineageSource[] {
  const sources = input.derivedFrom.map((s) =>
    typeof s === 'string' ? { id: s, relation: 'derived_from' } : s,
  )
  const fileId = input.source?.fileId
  if (fileId !== undefined && !sources.some((s) => s.id === fileId))
    sources.push({ id: fileId, relation: 'parsed_from' })
  return sources
}

/** Table and text datasets: records in SQL, rows as JSON lines (or the text) in the file store, lineage recorded. */
export function createDatasets(deps: DataStewardDeps, lineage: Lineage) {
  const records = createDatasetRecords(deps)

  function draft(ctx: TenantContext, input: NewDataset, kind: DatasetKind): DatasetRecord {
    if (!namePattern.test(input.name)) throw dataStewardErrors.DATASET_NAME_INVALID()
    return {
      id: deps.ids.next('ds'),
      tenantId: ctx.tenantId,
      name: input.name,
      kind,
      columns: [],
      rowCount: 0,
      sizeBytes: 0,
      createdBy: ctx.userId,
      createdAt: 0,
      ...(input.source !== undefined && { source: input.source }),
    }
  }

  /** Stores the record and its lineage in one transaction; on failure removes the blob already written. */
  async function commit(record: DatasetRecord, sources: LineageSource[]): Promise<DatasetRecord> {
    const stored = { ...record, createdAt: deps.clock.now() }
    try {
      await deps.database.transaction(async (trx) => {
        // Checked before the rows were streamed (see openTable and createText).
        await records.insert(stored, trx)
        await lineage.recordChecked(trx, record.tenantId, record.id, sources)
      })
      return stored
    } catch (error) {
      await deps.files.delete(datasetKey(record)).catch(() => undefined)
      throw error
    }
  }

  async function tableOf(tenantId: string, id: string): Promise<DatasetRecord> {
    const record = await records.get(tenantId, id)
    if (record.kind !== 'table') throw dataStewardErrors.DATASET_NOT_TABLE({ id })
    return record
  }

  const datasets = {
    /** Opens a streaming writer; see `TableWriter` for the memory and visibility contract. */
    async openTable(ctx: TenantContext, input: NewDataset): Promise<DatasetWriter> {
      const record = draft(ctx, input, 'table')
      const sources = lineageOf(input)
      // Fail before streaming a whole table when a source is bad; `commit` records them.
      await lineage.check(ctx.tenantId, record.id, sources)
      return openTableStream(
        record.id,
        // Nothing reads a dataset blob's checksum (the record keeps its size only), so none is computed.
        (body) => deps.files.put(datasetKey(record), body, { checksum: false }),
        (result) =>
          commit(
            { ...record, columns: result.columns, rowCount: result.rowCount, sizeBytes: result.stored.size },
            sources,
          ),
        { columnsDeclared: input.columnsDeclared === true, columnNames: input.columnNames },
      )
    },

    /** Writes every row of `rows`, then the record; `columns` (called after the last row) declares the columns. */
    async createTable(
      ctx: TenantContext,
      input: NewDataset,
      rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
      columns?: () => ColumnInfo[],
    ): Promise<DatasetRecord> {
      const writer = await datasets.openTable(ctx, input)
      try {
        for await (const row of rows) await writer.write(row)
      } catch (error) {
        await writer.abort()
        throw error
      }
      return writer.finish(columns?.())
    },

    /** Stores a text document (a string or a stream of UTF-8 chunks); `rowCount` is its number of lines. */
    async createText(
      ctx: TenantContext,
      input: NewDataset,
      text: string | AsyncIterable<string | Uint8Array>,
    ): Promise<DatasetRecord> {
      const record = draft(ctx, input, 'text')
      const sources = lineageOf(input)
      await lineage.check(ctx.tenantId, record.id, sources)
      let lines = 0
      let last = 10
      const counted = Readable.from(
        (async function* () {
          for await (const chunk of typeof text === 'string' ? [text] : text) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk)
            for (const byte of bytes) if (byte === 10) lines++
            if (bytes.length > 0) last = bytes[bytes.length - 1]!
            yield bytes
          }
        })(),
      )
      const stored = await deps.files.put(datasetKey(record), counted)
      const rowCount = stored.size === 0 ? 0 : lines + (last === 10 ? 0 : 1)
      return commit({ ...record, rowCount, sizeBytes: stored.size }, sources)
    },

    get: (tenantId: string, id: string) => records.get(tenantId, id),
    list: (tenantId: string, page: PageRequest) => records.list(tenantId, page),
    existing: (tenantId: string, ids: string[]) => records.existing(tenantId, ids),

    /** The rows of a table dataset, streamed from the file store. */
    async readRows(tenantId: string, id: string): Promise<AsyncGenerator<Record<string, unknown>>> {
      const record = await tableOf(tenantId, id)
      return jsonRowsOf(await deps.files.get(datasetKey(record)))
    },

    /** The record of a table dataset (DATASET_NOT_TABLE for text). */
    table: tableOf,

    /** The text of a text dataset, streamed. */
    async readText(tenantId: string, id: string): Promise<Readable> {
      const record = await records.get(tenantId, id)
      if (record.kind !== 'text') throw dataStewardErrors.DATASET_NOT_FOUND({ id })
      return deps.files.get(datasetKey(record))
    },

    /** The first rows and columns (or lines of text), reading no further than needed. */
    async preview(tenantId: string, id: string, bounds: PreviewBounds): Promise<DatasetPreview> {
      const record = await records.get(tenantId, id)
      const columns = record.columns.slice(0, bounds.maxColumns)
      const base = {
        id,
        kind: record.kind,
        columns,
        totalRows: record.rowCount,
        totalColumns: record.columns.length,
        truncated: record.rowCount > bounds.maxRows || record.columns.length > bounds.maxColumns,
      }
      const stream = await deps.files.get(datasetKey(record))
      if (record.kind === 'text') {
        const lines: string[] = []
        for await (const line of linesOf(stream)) {
          if (lines.length >= bounds.maxRows) break
          lines.push(line)
        }
        return { ...base, rows: [], text: lines.join('\n') }
      }
      const rows: Record<string, unknown>[] = []
      for await (const row of jsonRowsOf(stream)) {
        if (rows.length >= bounds.maxRows) break
        rows.push(Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null])))
      }
      return { ...base, rows }
    },

    /** Removes the record, then its blob. Lineage edges stay: they are the history of what was derived from it. */
    async delete(tenantId: string, id: string): Promise<void> {
      const record = await records.remove(tenantId, id)
      await deps.files.delete(datasetKey(record))
    },
  }
  return datasets
}

export type Datasets = ReturnType<typeof createDatasets>
