import { contentErrors } from '../errors.js'
import { checkColumnCount, emitBufferedTable, tableNameFromFile } from './columns.js'
import { defaultMaxColumns, positive } from './delimited.js'
import { locateJsonError } from './json-syntax.js'
import { checkEncoding, decodeText, readAll } from './text-encoding.js'
import type { ParseOutcome, ParseSource, TableSink } from './types.js'

/**
 * JSON documents are read whole (JSON.parse needs the complete text; the upload limit bounds the size).
 * Accepted shapes: an array of objects or of scalars, an object with exactly one array-valued property (that
 * array), or a single object (one row).
 */
export async function parseJson(source: ParseSource, sink: TableSink): Promise<ParseOutcome> {
  const options = source.options ?? {}
  const text = decodeText(await readAll(source.bytes, source.fileName), checkEncoding(options.encoding))
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    const where = locateJsonError(text)
    throw contentErrors.PARSE_MALFORMED_JSON({ ...where, reason: jsonReason(error) }, error)
  }
  const items = rowsOf(document)
  const maxColumns = positive(options, 'maxColumns') ?? defaultMaxColumns
  const { columns, rows } = tabulate(items, (count) => checkColumnCount(count, maxColumns))
  const table = await emitBufferedTable(sink, { name: tableNameFromFile(source.fileName), columns }, rows)
  return { kind: 'table', tables: [table] }
}

function rowsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document
  if (isObject(document)) {
    const arrays = Object.values(document).filter((value) => Array.isArray(value))
    if (arrays.length === 1) return arrays[0] as unknown[]
    if (arrays.length === 0) return [document]
    throw contentErrors.PARSE_JSON_SHAPE({
      reason: `the top-level object holds ${arrays.length} arrays; it must hold exactly one`,
    })
  }
  throw contentErrors.PARSE_JSON_SHAPE({ reason: 'the document is a single scalar value' })
}

/**
 * Objects become rows with the union of their top-level keys (first-seen order) as columns; scalars (and
 * nested arrays) become rows of one `value` column. Mixing both is refused.
 */
export function tabulate(
  items: unknown[],
  checkWidth: (count: number) => void,
): { columns: string[]; rows: unknown[][] } {
  if (items.length === 0) return { columns: [], rows: [] }
  const objects = isObject(items[0])
  const mismatch = items.findIndex((item) => isObject(item) !== objects)
  if (mismatch >= 0)
    throw contentErrors.PARSE_JSON_SHAPE({
      reason: `item ${mismatch} is ${objects ? 'not an object' : 'an object'} unlike item 0`,
      position: mismatch,
    })
  if (!objects) return { columns: ['value'], rows: items.map((item) => [item]) }
  const index = new Map<string, number>()
  for (const item of items as Record<string, unknown>[])
    for (const key of Object.keys(item)) if (!index.has(key)) index.set(key, index.size)
  checkWidth(index.size)
  const rows = (items as Record<string, unknown>[]).map((item) => {
    const row = new Array<unknown>(index.size).fill(null)
    for (const [key, value] of Object.entries(item)) row[index.get(key) ?? 0] = value
    return row
  })
  return { columns: columnNamesFromKeys([...index.keys()]), rows }
}

/** JSON keys are unique already; only the empty key needs a name. */
function columnNamesFromKeys(keys: string[]): string[] {
  const used = new Set(keys)
  return keys.map((key, position) => {
    if (key.trim() !== '') return key
    let name = `column_${position + 1}`
    for (let n = 2; used.has(name); n++) name = `column_${position + 1}_${n}`
    used.add(name)
    return name
  })
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function jsonReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '')
}
