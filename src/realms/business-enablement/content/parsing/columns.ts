import { contentErrors } from '../errors.js'
import type { ColumnInfo, ParsedTable, TableSink } from './types.js'
import { NESTED, NULL, classifyValue, columnType, conform, unify, type Kind } from './values.js'

/** Unique, non-empty column names: blanks become `column_<n>` (1-based), repeats get `_2`, `_3` ... */
export function uniqueColumnNames(raw: readonly unknown[]): string[] {
  const used = new Set<string>()
  return raw.map((name, index) => {
    const text =
      typeof name === 'string'
        ? name.trim()
        : typeof name === 'number' || typeof name === 'boolean'
          ? String(name)
          : ''
    const base = text === '' ? `column_${index + 1}` : text
    let unique = base
    for (let n = 2; used.has(unique); n++) unique = `${base}_${n}`
    used.add(unique)
    return unique
  })
}

/** `column_1` ... `column_<count>`, for tables without a header row. */
export function positionalColumnNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `column_${index + 1}`)
}

export function checkColumnCount(count: number, maxColumns: number): void {
  if (count > maxColumns)
    throw contentErrors.PARSE_TOO_LARGE({
      reason: `${count} columns, at most ${maxColumns} allowed`,
      maxColumns,
    })
}

export function describeColumns(
  names: readonly string[],
  kinds: ArrayLike<Kind>,
  nullable: readonly boolean[],
) {
  return names.map((name, index): ColumnInfo => {
    const kind = kinds[index] ?? NULL
    const info: ColumnInfo = { name, type: columnType(kind), nullable: nullable[index] ?? false }
    if (kind === NESTED) info.nested = true
    return info
  })
}

/**
 * Sends a table whose rows are all in memory (JSON, XLSX): types are exact and every row is made to agree
 * with them before it is sent. Rows shorter than the header are padded with nulls.
 */
export async function emitBufferedTable(
  sink: TableSink,
  table: { name: string; columns: string[] },
  rows: unknown[][],
): Promise<ParsedTable> {
  const width = table.columns.length
  const kinds = new Uint8Array(width)
  const nullable: boolean[] = new Array<boolean>(width).fill(false)
  for (const row of rows) {
    for (let c = 0; c < width; c++) {
      const kind = classifyValue(row[c])
      if (kind === NULL) nullable[c] = true
      else kinds[c] = unify(kinds[c] ?? NULL, kind)
    }
  }
  await sink.startTable({ name: table.name, columns: table.columns })
  for (const row of rows) {
    const values = new Array<unknown>(width)
    for (let c = 0; c < width; c++) values[c] = conform(kinds[c] ?? NULL, row[c])
    const pending = sink.row(values)
    if (pending) await pending
  }
  const columns = describeColumns(table.columns, kinds, nullable)
  await sink.endTable({ columns, rowCount: rows.length })
  return { name: table.name, columns, rowCount: rows.length }
}

/** The table name for a single-table file: its base name without the extension. */
export function tableNameFromFile(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  const stem = (dot > 0 ? base.slice(0, dot) : base).trim()
  return stem === '' ? 'table' : stem
}
