import type {
  ColumnInfo,
  DataSteward,
  DatasetRecord,
  DatasetSource,
  DatasetWriter,
  TenantContext,
} from '../../../smart-city/data-steward/index.js'
import { toDatasetColumn } from './dataset-columns.js'
import type { TableSink } from './parsing/index.js'

export interface ParsedFile {
  fileId: string
  fileName: string
  parsingType: string
  /** Whether tables are named after sheets (XLSX), recorded as `source.sheet`. */
  sheets: boolean
}

interface OpenTable {
  writer: DatasetWriter
  sheet: string
  columns?: ColumnInfo[]
}

const maxDatasetName = 200

/** `<file name>` or `<file name> [<sheet>]`, within the steward's name rule (1-200 characters, no controls). */
export function datasetName(fileName: string, sheet?: string): string {
  const name = (sheet === undefined ? fileName : `${fileName} [${sheet}]`).replace(/\p{Cc}/gu, '')
  return [...name].slice(0, maxDatasetName).join('') || 'dataset'
}

function rowOf(names: string[], values: unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (let i = 0; i < names.length; i++) row[names[i]!] = values[i]
  return row
}

/** For a column named `__proto__`, which plain assignment would take for the prototype and drop. */
function definedRowOf(names: string[], values: unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  for (let i = 0; i < names.length; i++)
    Object.defineProperty(row, names[i]!, {
      value: values[i],
      enumerable: true,
      writable: true,
      configurable: true,
    })
  return row
}

/**
 * A parser's tables streamed into table datasets, one per table. Rows become objects keyed by the column names
 * (or, from text formats, go as JSON values aligned to the names, which the writer keys itself) and go straight
 * into the steward's writer, which is awaited only when it asks to be (backpressure). Writers are finished only
 * by `commit`, after the whole file parsed, so a failure anywhere (`abort`) leaves no dataset.
 */
export function createDatasetSink(steward: DataSteward, ctx: TenantContext, file: ParsedFile) {
  const tables: OpenTable[] = []
  let names: string[] = []
  let toRow = rowOf
  let writer: DatasetWriter | undefined

  const sink: TableSink = {
    async startTable(table) {
      const source: DatasetSource = {
        fileId: file.fileId,
        parsingType: file.parsingType,
        ...(file.sheets && { sheet: table.name }),
      }
      writer = await steward.datasets.openTable(ctx, {
        name: datasetName(file.fileName, file.sheets ? table.name : undefined),
        derivedFrom: [{ id: file.fileId, relation: 'parsed_from' }],
        source,
        columnsDeclared: true,
        columnNames: table.columns,
      })
      tables.push({ writer, sheet: table.name })
      names = table.columns
      toRow = names.includes('__proto__') ? definedRowOf : rowOf
    },
    row(values) {
      return writer!.write(toRow(names, values))
    },
    jsonRow(jsonValues) {
      return writer!.writeJsonValues(jsonValues)
    },
    jsonLines(lines, rows) {
      return writer!.writeJsonLines(lines, rows)
    },
    endTable(result) {
      const table = tables[tables.length - 1]!
      table.columns = result.columns.map(toDatasetColumn)
    },
  }

  return {
    sink,
    /** Stores every table's dataset, in the parser's order. */
    async commit(): Promise<{ record: DatasetRecord; sheet: string }[]> {
      const stored: { record: DatasetRecord; sheet: string }[] = []
      try {
        for (const table of tables)
          stored.push({ record: await table.writer.finish(table.columns), sheet: table.sheet })
      } catch (error) {
        await Promise.allSettled(tables.map((table) => table.writer.abort()))
        await Promise.allSettled(stored.map((s) => steward.datasets.delete(ctx.tenantId, s.record.id)))
        throw error
      }
      return stored
    },
    /** Drops every table written so far. */
    async abort(): Promise<void> {
      await Promise.allSettled(tables.map((table) => table.writer.abort()))
    },
  }
}
