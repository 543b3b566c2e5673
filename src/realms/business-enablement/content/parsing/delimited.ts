import { contentErrors } from '../errors.js'
import { tableNameFromFile } from './columns.js'
import { type CsvSettings, parseStreamed, tooManyFields } from './csv-reading.js'
import { parseInParts } from './delimited-parts.js'
import { sniffDelimiter } from './delimiter-sniffing.js'
import { StreamedTextTable, type StreamedTableOptions } from './streamed-table.js'
import { checkEncoding, utf8Chunks } from './text-encoding.js'
import type { ParseOptions, ParseOutcome, ParseSource, TableSink } from './types.js'

export const defaultSampleRows = 1000
export const defaultMaxRecordBytes = 8 * 1024 * 1024
export const defaultMaxColumns = 10_000

/** CSV and TSV, streamed: the file is never held in memory, only the type sample and the record in hand. */
export async function parseDelimited(
  source: ParseSource,
  sink: TableSink,
  kind: 'csv' | 'tsv',
): Promise<ParseOutcome> {
  const options = source.options ?? {}
  const quote = singleCharacter(options, 'quote') ?? '"'
  const explicitDelimiter = singleCharacter(options, 'delimiter') ?? (kind === 'tsv' ? '\t' : undefined)
  const header = options.header ?? 'auto'
  if (header !== true && header !== false && header !== 'auto')
    throw contentErrors.PARSE_INVALID_OPTION({ option: 'header', reason: 'give true, false or "auto"' })
  const maxRecordBytes = positive(options, 'maxRecordBytes') ?? defaultMaxRecordBytes
  const sampleRows = positive(options, 'typeSampleRows') ?? defaultSampleRows
  const maxColumns = positive(options, 'maxColumns') ?? defaultMaxColumns
  const chunks = utf8Chunks(source.bytes, checkEncoding(options.encoding), source.fileName)
  const iterator = chunks[Symbol.asyncIterator]()
  const first = await iterator.next()
  if (first.done) throw contentErrors.PARSE_EMPTY_FILE({ fileName: source.fileName })
  const delimiter =
    explicitDelimiter ?? sniffDelimiter(first.value.subarray(0, 64 * 1024).toString('utf8'), quote)
  if (delimiter === quote) {
    await iterator.return(undefined)
    throw contentErrors.PARSE_INVALID_OPTION({ option: 'delimiter', reason: 'it is the quote character' })
  }
  const csv: CsvSettings = { delimiter, quote, maxRecordBytes }
  const tableOptions: StreamedTableOptions = {
    name: tableNameFromFile(source.fileName),
    header,
    sampleRows,
    maxColumns,
    tooManyFields: (fields, columns, line) => tooManyFields(fields, columns, line),
  }
  const input = prepend(first.value, iterator)
  const parts = source.parts
  if (parts && sink.jsonLines && (source.size ?? 0) >= parts.minBytes) {
    const parsed = await parseInParts({ input, csv, table: tableOptions, sink, parts })
    return { kind: 'table', tables: [parsed] }
  }
  return {
    kind: 'table',
    tables: [await parseStreamed(input, csv, new StreamedTextTable(sink, tableOptions))],
  }
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first
  try {
    for (;;) {
      const next = await rest.next()
      if (next.done) return
      yield next.value
    }
  } finally {
    await rest.return?.()
  }
}

function singleCharacter(options: ParseOptions, name: 'delimiter' | 'quote'): string | undefined {
  const value = options[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length !== 1 || value === '\n' || value === '\r')
    throw contentErrors.PARSE_INVALID_OPTION({
      option: name,
      reason: 'give one character other than a line break',
    })
  return value
}

export function positive(
  options: ParseOptions,
  name: 'typeSampleRows' | 'maxRecordBytes' | 'maxColumns',
): number | undefined {
  const value = options[name]
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value < 1)
    throw contentErrors.PARSE_INVALID_OPTION({ option: name, reason: 'give a positive integer' })
  return value
}
