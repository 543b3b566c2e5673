import { expect } from 'vitest'
import { isPlatformError, type PlatformError } from '../../../src/kernel/errors.js'
import {
  parseCsvPart,
  parseFile,
  type ColumnInfo,
  type ParseOptions,
  type ParseOutcome,
  type ParseSource,
  type ParsingType,
  type PartParsing,
  type TableSink,
} from '../../../src/realms/business-enablement/content/parsing/index.js'
import { writeZip } from '../../support/zip.js'

export interface CollectedTable {
  name: string
  columns: string[]
  rows: unknown[][]
  result?: { columns: ColumnInfo[]; rowCount: number }
}

/** A sink that keeps everything; with `slow`, every row call returns a promise (exercises backpressure). */
export function collectingSink(options: { slow?: boolean } = {}): TableSink & { tables: CollectedTable[] } {
  const tables: CollectedTable[] = []
  const current = () => tables[tables.length - 1]!
  return {
    tables,
    startTable(table) {
      tables.push({ name: table.name, columns: table.columns, rows: [] })
    },
    row(values) {
      expect(values).toHaveLength(current().columns.length)
      current().rows.push([...values])
      if (options.slow) return new Promise((resolve) => setImmediate(resolve))
      return undefined
    },
    endTable(result) {
      current().result = result
    },
  }
}

/**
 * A sink that takes text formats' rows as JSON texts (`jsonRow`, as the dataset sink does) and keeps them as the
 * values they read back as; other formats' rows are kept as given.
 */
export function jsonCollectingSink(): TableSink & { tables: CollectedTable[] } {
  const collecting = collectingSink()
  return {
    ...collecting,
    jsonRow(jsonValues) {
      for (const text of jsonValues) expect(typeof text).toBe('string')
      return collecting.row(JSON.parse(`[${jsonValues.join(',')}]`) as unknown[])
    },
  }
}

/**
 * Parts parsed on this thread, as a worker would parse them (the task and result are copied as between threads),
 * every other part answering a turn later so that results come back out of order. Rows are written as JSON arrays.
 */
export function partsInProcess(partBytes: number, inFlight = 3): PartParsing & { calls: number } {
  const parts = {
    calls: 0,
    minBytes: 0,
    partBytes,
    inFlight,
    async run(task: Parameters<PartParsing['run']>[0]) {
      if (parts.calls++ % 2 === 0) await new Promise((resolve) => setImmediate(resolve))
      const result = await parseCsvPart(structuredClone(task), (values) => `[${values.join(',')}]\n`)
      return structuredClone(result)
    },
  }
  return parts
}

/** A JSON sink that also takes parts' rows (`jsonLines`) as written by `partsInProcess`. */
export function partsCollectingSink(): TableSink & { tables: CollectedTable[] } {
  const json = jsonCollectingSink()
  return {
    ...json,
    jsonLines(lines, rows) {
      const text = Buffer.from(lines).toString('utf8')
      const parsed = text === '' ? [] : text.slice(0, -1).split('\n')
      expect(parsed).toHaveLength(rows)
      for (const line of parsed) void json.row(JSON.parse(line) as unknown[])
    },
  }
}

/** The bytes as an async iterable, cut into chunks of `chunkSize` bytes (to exercise chunk boundaries). */
export async function* chunked(
  bytes: Uint8Array | string,
  chunkSize = 64 * 1024,
): AsyncGenerator<Uint8Array> {
  const all = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
  for (let offset = 0; offset < all.length; offset += chunkSize) {
    await Promise.resolve()
    yield all.subarray(offset, offset + chunkSize)
  }
}

export interface ParseCall {
  fileName: string
  contentType?: string
  parsingType?: ParsingType
  copybook?: string
  options?: ParseOptions
  chunkSize?: number
  slow?: boolean
}

export function sourceOf(bytes: Uint8Array | string, call: ParseCall, parts?: PartParsing): ParseSource {
  return {
    bytes: chunked(bytes, call.chunkSize),
    fileName: call.fileName,
    contentType: call.contentType ?? 'application/octet-stream',
    ...(call.parsingType ? { parsingType: call.parsingType } : {}),
    ...(call.copybook !== undefined ? { copybook: call.copybook } : {}),
    ...(call.options ? { options: call.options } : {}),
    ...(parts && { parts, size: typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length }),
  }
}

/**
 * Parses into a sink that keeps the rows' values; then again into one taking JSON rows, which must read back as
 * the same values (up to JSON: -0 reads as 0) and give the same outcome; then (CSV/TSV) in parts of several sizes,
 * which must give the same again. A failure must be the same failure in parts (`parseFailure`).
 */
export async function parse(
  bytes: Uint8Array | string,
  call: ParseCall,
): Promise<{ outcome: ParseOutcome; tables: CollectedTable[] }> {
  const run = (sink: TableSink, parts?: PartParsing) => parseFile(sourceOf(bytes, call, parts), sink)
  const sink = collectingSink({ slow: call.slow })
  const outcome = await run(sink)
  const jsonSink = jsonCollectingSink()
  expect(await run(jsonSink)).toEqual(outcome)
  expect(jsonSink.tables).toEqual(JSON.parse(JSON.stringify(sink.tables)))
  for (const partBytes of partSizes) {
    const partsSink = partsCollectingSink()
    expect(await run(partsSink, partsInProcess(partBytes))).toEqual(outcome)
    expect(partsSink.tables).toEqual(jsonSink.tables)
  }
  return { outcome, tables: sink.tables }
}

/** Part sizes every CSV/TSV test is parsed again with (as the parts path), from a byte to more than most tests. */
const partSizes = [1, 7, 64]

/** The PlatformError a parse fails with (the test fails if it succeeds or throws anything else). */
export async function parseFailure(bytes: Uint8Array | string, call: ParseCall): Promise<PlatformError> {
  const failure = await failureOf(parse(bytes, call))
  for (const partBytes of partSizes) {
    const parts = await failureOf(
      parseFile(sourceOf(bytes, call, partsInProcess(partBytes)), partsCollectingSink()),
    )
    expect({ code: parts.code, details: parts.details }).toEqual({
      code: failure.code,
      details: failure.details,
    })
  }
  return failure
}

export async function failureOf(run: Promise<unknown>): Promise<PlatformError> {
  try {
    await run
  } catch (error) {
    if (isPlatformError(error)) return error
    throw error
  }
  throw new Error('expected the parse to fail')
}

export function types(table: CollectedTable | undefined): Record<string, string> {
  return Object.fromEntries((table?.result?.columns ?? []).map((column) => [column.name, column.type]))
}

/**
 * A minimal valid PDF with one page per entry of `pages` (Helvetica text, one line per string), an Info
 * dictionary with the title, and a cross-reference table with exact byte offsets.
 */
export function buildPdf(pages: string[][], title?: string): Buffer {
  const objects: string[] = []
  const pageIds = pages.map((_, index) => 4 + index * 2)
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>'
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'
  pages.forEach((lines, index) => {
    const pageId = pageIds[index]!
    const escaped = lines.map((line) => line.replace(/([\\()])/g, '\\$1'))
    const content = `BT /F1 12 Tf 14 TL 72 720 Td ${escaped.map((line) => `(${line}) Tj T*`).join(' ')} ET`
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId + 1} 0 R >>`
    objects[pageId + 1] =
      `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`
  })
  const infoId = objects.length
  if (title !== undefined) objects[infoId] = `<< /Title (${title}) >>`
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(body, 'latin1')
    body += `${id} 0 obj\n${objects[id]}\nendobj\n`
  }
  const xrefAt = Buffer.byteLength(body, 'latin1')
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`
  for (let id = 1; id < objects.length; id++) body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`
  const info = title !== undefined ? ` /Info ${infoId} 0 R` : ''
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R${info} >>\nstartxref\n${xrefAt}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}

/** A DOCX with the minimum parts: content types, the package relationship and the main document. */
export function buildDocx(paragraphs: string[]): Buffer {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const body = paragraphs.map(
    (text) => `<w:p><w:r><w:t xml:space="preserve">${escape(text)}</w:t></w:r></w:p>`,
  )
  return writeZip({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '</Relationships>',
    'word/document.xml':
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
      `<w:body>${body.join('')}</w:body></w:document>`,
  })
}
