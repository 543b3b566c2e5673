import { parse, CsvError, type Parser } from 'csv-parse'
import { isPlatformError } from '../../../../kernel/errors.js'
import { contentErrors } from '../errors.js'
import { tableNameFromFile } from './columns.js'
import { sniffDelimiter } from './delimiter-sniffing.js'
import { StreamedTextTable } from './streamed-table.js'
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
  const parser = parse({
    delimiter,
    quote,
    bom: false,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    max_record_size: maxRecordBytes,
  })
  const table = new StreamedTextTable(sink, {
    name: tableNameFromFile(source.fileName),
    header,
    sampleRows,
    maxColumns,
    tooManyFields: (fields, columns, line) =>
      contentErrors.PARSE_MALFORMED_CSV({
        line,
        reason: `${fields} fields where the table has ${columns} columns`,
      }),
  })
  await pump(prepend(first.value, iterator), parser, (record, line) => table.add(record, line))
  const parsed = await table.finish()
  return { kind: 'table', tables: [parsed] }
}

/**
 * Feeds the chunks into the parser and each record to `onRecord`, pausing the parser while a returned promise
 * is pending. Rejects with the first error from the chunks, the parser or `onRecord`, and releases the input.
 */
function pump(
  chunks: AsyncIterable<Buffer>,
  parser: Parser,
  onRecord: (record: string[], line: number) => void | Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false
    const lines = recordLines(parser)
    const fail = (error: unknown) => {
      if (failed) return
      failed = true
      parser.destroy()
      reject(mapCsvError(error, lines.lastParsed))
    }
    parser.on('data', (record: string[]) => {
      if (failed) return
      let pending: void | Promise<void>
      try {
        pending = onRecord(record, lines.queue.shift() ?? 0)
      } catch (error) {
        fail(error)
        return
      }
      if (pending) {
        parser.pause()
        pending.then(() => parser.resume(), fail)
      }
    })
    parser.on('error', fail)
    parser.on('end', () => {
      if (!failed) resolve()
    })
    const feed = async () => {
      for await (const chunk of chunks) {
        if (failed) return
        if (!parser.write(chunk)) await drained(parser)
      }
      if (!failed) parser.end()
    }
    feed().catch(fail)
  })
}

/**
 * The line each record ends on. csv-parse's `info` option would allocate an info object per record; instead
 * the parser's live line count is read as each record is pushed (records may be delivered later, when the
 * parser ran ahead of a paused consumer).
 */
function recordLines(parser: Parser): { queue: number[]; lastParsed: number } {
  const lines = { queue: [] as number[], lastParsed: 0 }
  const push = parser.push.bind(parser)
  parser.push = (record: unknown) => {
    if (record !== null) {
      lines.lastParsed = parser.info.lines
      lines.queue.push(lines.lastParsed)
    }
    return push(record)
  }
  return lines
}

function drained(parser: Parser): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off('drain', done)
      parser.off('close', done)
      resolve()
    }
    parser.on('drain', done)
    parser.on('close', done)
  })
}

function mapCsvError(error: unknown, lastRecordLine: number): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  if (isPlatformError(error) || !(error instanceof CsvError)) return error
  const line = typeof error['lines'] === 'number' ? error['lines'] : undefined
  const field = typeof error['column'] === 'number' ? error['column'] + 1 : undefined
  if (error.code === 'CSV_QUOTE_NOT_CLOSED')
    return contentErrors.PARSE_MALFORMED_CSV(
      { line: lastRecordLine + 1, reason: 'a quoted field opened on this line is never closed' },
      error,
    )
  if (error.code === 'CSV_MAX_RECORD_SIZE')
    return contentErrors.PARSE_TOO_LARGE(
      { line: lastRecordLine + 1, reason: `a record starting at line ${lastRecordLine + 1} is too large` },
      error,
    )
  if (error.code === 'CSV_INVALID_CLOSING_QUOTE')
    return contentErrors.PARSE_MALFORMED_CSV(
      { line, column: field, reason: 'a closing quote is followed by other characters' },
      error,
    )
  return contentErrors.PARSE_MALFORMED_CSV({ line, column: field, reason: error.message }, error)
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
