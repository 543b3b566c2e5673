import { finished } from 'node:stream/promises'
import {
  type CsvSettings,
  csvError,
  csvFailure,
  csvParser,
  parseStreamed,
  recordPositions,
} from './csv-reading.js'
import {
  type StreamedTableOptions,
  StreamedTextTable,
  TypeSample,
  decideTable,
  finishTable,
} from './streamed-table.js'
import type {
  CsvPartProblem,
  CsvPartResult,
  CsvPartTask,
  ParsedTable,
  PartParsing,
  TableSink,
} from './types.js'

export interface PartsInput {
  /** Validated UTF-8 from the start of the file (after any BOM). */
  input: AsyncIterable<Buffer>
  csv: CsvSettings
  table: StreamedTableOptions
  /** Takes the rows through `jsonLines`. */
  sink: TableSink
  parts: PartParsing
}

/** After this many parts parsed again because a column widened meanwhile, parts are parsed one at a time. */
const maxStaleParts = 16

/**
 * CSV/TSV parsed in parts, each part by `parts.run` (worker threads), with the result of parsing the whole file on
 * one thread (parseStreamed): the same rows, types, widenings and errors, the same lines in errors.
 *
 * 1. The type sample is read from the start of the file as the one-thread parse reads it; a file that ends within it,
 *    or whose records end with a lone `\r`, is parsed on this thread.
 * 2. The file is then cut, from its first byte, into parts ending after a record delimiter outside quotes by a count
 *    of quote characters (a guess: csv-parse's relaxed quotes may disagree), and parts are parsed in parallel, each
 *    with the column kinds known when it is sent.
 * 3. Results are taken in order. A part is parsed again (with the kinds and the records to skip now known) when a
 *    column widened since it was sent, or when the part before it ended inside a record (`rest`: the guess was wrong),
 *    with that record's bytes in front. Lines and rows are counted on from the parts before, so an error carries the
 *    line the one-thread parse would give, and the first error in the file wins.
 *
 * Memory holds the sample, the parts in flight (their bytes are kept until their result is taken) and one part being
 * cut (larger only while a quoted field spans it, up to the record size limit).
 */
export async function parseInParts(p: PartsInput): Promise<ParsedTable> {
  const iterator = p.input[Symbol.asyncIterator]()
  try {
    const sampled = await readSample(iterator, p.csv, p.table)
    if (sampled.ended) return await tableOfRecords(new StreamedTextTable(p.sink, p.table), sampled.sample)
    const input = replay(sampled.chunks, iterator)
    const recordDelimiter = sampled.recordDelimiter
    if (recordDelimiter !== '\n' && recordDelimiter !== '\r\n')
      return await parseStreamed(input, p.csv, new StreamedTextTable(p.sink, p.table))
    return await parseParts(p, input, sampled.sample, recordDelimiter)
  } finally {
    await iterator.return?.()
  }
}

interface Sampled {
  sample: TypeSample
  /** The chunks read for the sample, to be read again. */
  chunks: Buffer[]
  /** Whether the input ended within the sample (then `sample` holds every record). */
  ended: boolean
  recordDelimiter: string | undefined
}

/** Reads the type sample from the start of the input, keeping the chunks read; fails as the one-thread parse would. */
async function readSample(
  iterator: AsyncIterator<Buffer>,
  csv: CsvSettings,
  options: StreamedTableOptions,
): Promise<Sampled> {
  const parser = csvParser(csv)
  const positions = recordPositions(parser)
  const sample = new TypeSample(options.sampleRows)
  const chunks: Buffer[] = []
  let full = false
  let failure: unknown
  parser.on('data', (record: string[]) => {
    const { line } = positions.take()
    if (!full) full = sample.add(record, line)
  })
  parser.on('error', (error) => (failure ??= error))
  let ended = false
  // Records arrive synchronously during `write` (nothing pauses the parser), and so does the error state.
  while (!full && failure === undefined) {
    const next = await iterator.next()
    if (next.done) {
      ended = true
      parser.end()
      await finished(parser).catch((error: unknown) => (failure ??= error))
      break
    }
    chunks.push(next.value)
    parser.write(next.value)
    failure ??= parser.errored ?? undefined
  }
  parser.destroy()
  // An error after the sample was complete is found again by the parts, where it belongs.
  if (!full && failure !== undefined) throw csvFailure(failure, positions.lastLine)
  const delimiter = parser.options.record_delimiter[0]
  return { sample, chunks, ended: ended && !full, recordDelimiter: delimiter?.toString('utf8') }
}

async function tableOfRecords(table: StreamedTextTable, sample: TypeSample): Promise<ParsedTable> {
  for (const [index, record] of sample.records.entries()) {
    const pending = table.add(record, sample.lines[index] ?? 0)
    if (pending) await pending
  }
  return table.finish()
}

async function* replay(chunks: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* chunks
  for (;;) {
    const next = await rest.next()
    if (next.done) return
    yield next.value
  }
}

interface SentPart {
  bytes: Buffer
  task: CsvPartTask
  result: Promise<CsvPartResult>
}

async function parseParts(
  p: PartsInput,
  input: AsyncIterable<Buffer>,
  sample: TypeSample,
  recordDelimiter: string,
): Promise<ParsedTable> {
  const shape = decideTable(sample, p.table)
  const names = shape.names
  await p.sink.startTable({ name: p.table.name, columns: names })
  const state = {
    kinds: shape.kinds,
    nullable: shape.nullable,
    widenedAt: new Array<number | undefined>(names.length),
    rowCount: 0,
  }
  let lineOffset = 0
  let lastRecordLine = 0
  let skip = shape.hasHeader ? 1 : 0
  let carried: Buffer | undefined
  let inFlight = Math.max(1, p.parts.inFlight)
  let stale = 0
  let sentFirst = false
  const queue: SentPart[] = []

  const send = (bytes: Buffer, last: boolean, skipRecords: number): SentPart => {
    const task: CsvPartTask = {
      bytes,
      last,
      delimiter: p.csv.delimiter,
      quote: p.csv.quote,
      recordDelimiter,
      maxRecordBytes: p.csv.maxRecordBytes,
      columns: names,
      kinds: state.kinds,
      skip: skipRecords,
    }
    const result = p.parts.run(task)
    result.catch(() => undefined)
    return { bytes, task, result }
  }

  const problemError = (problem: CsvPartProblem, result: CsvPartResult): Error => {
    if (problem.kind === 'fields')
      return p.table.tooManyFields(problem.fields, names.length, lineOffset + problem.line)
    if (problem.kind === 'other') return new Error(problem.message)
    const line = problem.line === undefined ? undefined : lineOffset + problem.line
    const lastLine = result.lastRecordLine > 0 ? lineOffset + result.lastRecordLine : lastRecordLine
    return csvError({ ...problem, line }, lastLine)
  }

  const takeNext = async (): Promise<void> => {
    let part = queue.shift()!
    if (carried !== undefined || !sameKinds(part.task.kinds, state.kinds) || part.task.skip !== skip) {
      if (carried === undefined && ++stale > maxStaleParts) inFlight = 1
      const bytes = carried === undefined ? part.bytes : Buffer.concat([carried, part.bytes])
      carried = undefined
      part = send(bytes, part.task.last, skip)
    }
    const result = await part.result
    if (result.problem) throw problemError(result.problem, result)
    if (result.rows > 0) {
      const pending = p.sink.jsonLines?.(result.lines, result.rows)
      if (pending) await pending
    }
    for (let c = 0; c < names.length; c++) {
      if (result.nullable[c] === 1) state.nullable[c] = true
      const widened = result.widenedAt[c] ?? -1
      if (widened >= 0) state.widenedAt[c] = state.rowCount + widened
    }
    state.kinds = result.kinds
    state.rowCount += result.rows
    if (result.lastRecordLine > 0) lastRecordLine = lineOffset + result.lastRecordLine
    lineOffset += result.lineCount
    skip -= result.skipped
    if (result.rest !== undefined) carried = part.bytes.subarray(result.rest)
  }

  const cutting = {
    partBytes: p.parts.partBytes,
    maxBytes: p.parts.partBytes + p.csv.maxRecordBytes,
    quote: p.csv.quote,
    crlf: recordDelimiter === '\r\n',
  }
  const parts = cutParts(input, cutting)
  for (;;) {
    let next: IteratorResult<{ bytes: Buffer; last: boolean }>
    try {
      next = await parts.next()
    } catch (error) {
      // What went wrong reading on (an encoding error) comes after the parts already sent: their errors first.
      while (queue.length > 0) await takeNext()
      throw error
    }
    if (next.done) break
    queue.push(send(next.value.bytes, next.value.last, sentFirst ? 0 : skip))
    sentFirst = true
    while (queue.length >= inFlight) await takeNext()
  }
  while (queue.length > 0) await takeNext()
  return finishTable(p.sink, p.table.name, names, state)
}

function sameKinds(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return a.length === b.length
}

export interface Cutting {
  /** A part ends at the first likely record end once it holds this much... */
  partBytes: number
  /** ...and, past this without one, at the last record delimiter or wherever the input is. */
  maxBytes: number
  quote: string
  crlf: boolean
}

/**
 * The input cut into parts that most probably end with a whole record: each ends at the first `\n` (`\r\n` with
 * `crlf`) past `partBytes` that follows an even number of quote characters since the start of the input. Past
 * `maxBytes` without one (a long quoted field, or stray quotes upset the count), a part ends at its last record
 * delimiter, or else where the input is. Every part ends on a character boundary, as the chunks do.
 */
export async function* cutParts(
  input: AsyncIterable<Buffer>,
  cutting: Cutting,
): AsyncGenerator<{ bytes: Buffer; last: boolean }> {
  const scan: Scan = {
    quote: cutting.quote.charCodeAt(0) < 0x80 ? cutting.quote.charCodeAt(0) : -1,
    crlf: cutting.crlf,
    quoted: false,
    previous: 0,
    lastDelimiter: -1,
  }
  let pending: Buffer[] = []
  let length = 0
  let held: Buffer | undefined
  function* take(bytes: Buffer): Generator<{ bytes: Buffer; last: boolean }> {
    if (held) yield { bytes: held, last: false }
    held = bytes
  }
  for await (const chunk of input) {
    let from = 0
    for (;;) {
      const end = partEnd(chunk, from, Math.max(from, cutting.partBytes - length + from - 1), scan)
      if (end < 0) break
      yield* take(Buffer.concat([...pending, chunk.subarray(from, end)], length + end - from))
      pending = []
      length = 0
      from = end
    }
    if (scan.lastDelimiter >= 0) scan.lastDelimiter += length
    if (from < chunk.length) pending.push(chunk.subarray(from))
    length += chunk.length - from
    if (length >= cutting.maxBytes) {
      const all = Buffer.concat(pending, length)
      const at = scan.lastDelimiter > 0 ? scan.lastDelimiter : length
      yield* take(all.subarray(0, at))
      pending = at < length ? [all.subarray(at)] : []
      length -= at
    }
    scan.lastDelimiter = -1
  }
  if (held) yield { bytes: held, last: length === 0 }
  if (length > 0) yield { bytes: Buffer.concat(pending, length), last: true }
}

interface Scan {
  quote: number
  crlf: boolean
  /** After an odd number of quote characters so far. */
  quoted: boolean
  previous: number
  /** After the last record delimiter seen in the pending part, counted from where this chunk's scan began. */
  lastDelimiter: number
}

/**
 * Scans `chunk` from `from` and answers the offset just after the first record delimiter outside quotes at or after
 * `min`, or -1 when none (having scanned to the end of the chunk). Keeps the quote count and the last delimiter.
 * Jumps from quote to quote and, past `min`, from line to line (`indexOf` is much faster than a loop over bytes).
 */
function partEnd(chunk: Buffer, from: number, min: number, scan: Scan): number {
  const { quote, crlf } = scan
  const length = chunk.length
  let quoted = scan.quoted
  let nextQuote = quote < 0 ? -1 : chunk.indexOf(quote, from)
  const quotesBefore = (end: number) => {
    while (nextQuote >= 0 && nextQuote < end) {
      quoted = !quoted
      nextQuote = chunk.indexOf(quote, nextQuote + 1)
    }
  }
  let line = chunk.indexOf(10, Math.min(Math.max(from, min), length))
  while (line >= 0) {
    quotesBefore(line)
    const previous = line > 0 ? chunk[line - 1] : scan.previous
    if (!quoted && (!crlf || previous === 13)) {
      scan.quoted = quoted
      scan.previous = 10
      scan.lastDelimiter = -1
      return line + 1
    }
    line = chunk.indexOf(10, line + 1)
  }
  quotesBefore(length)
  const last = chunk.lastIndexOf(10)
  const delimiter =
    last >= from && (!crlf || (last > 0 ? chunk[last - 1] : scan.previous) === 13) ? last + 1 : -1
  scan.quoted = quoted
  scan.previous = length > from ? chunk[length - 1]! : scan.previous
  scan.lastDelimiter = delimiter < 0 ? -1 : delimiter - from
  return -1
}
