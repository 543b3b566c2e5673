import { contentErrors } from '../errors.js'
import { parsingTypes, type ParsingType } from './types.js'

const byExtension: Record<string, ParsingType> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  xlsx: 'xlsx',
  xlsm: 'xlsx',
  txt: 'text',
  text: 'text',
  log: 'text',
  md: 'markdown',
  markdown: 'markdown',
  pdf: 'pdf',
  docx: 'docx',
  dat: 'copybook',
  bin: 'copybook',
  ebc: 'copybook',
}

const byContentType: Record<string, ParsingType> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'tsv',
  'application/json': 'json',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
}

/**
 * The parser for a file: the requested type when given; else the file extension (it wins because browsers
 * send generic or misleading types, e.g. `application/vnd.ms-excel` for .csv); else the content type.
 * Mainframe data extensions (.dat, .bin, .ebc) choose `copybook`. Anything else is PARSE_UNSUPPORTED_TYPE.
 */
export function chooseParsingType(
  fileName: string,
  contentType: string,
  requested?: ParsingType,
): ParsingType {
  if (requested !== undefined) {
    if (parsingTypes.includes(requested)) return requested
    throw contentErrors.PARSE_UNSUPPORTED_TYPE({
      fileName,
      contentType,
      requested: ` as ${String(requested)}`,
    })
  }
  const base = fileName.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  const extension = dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
  const fromExtension = byExtension[extension]
  if (fromExtension) return fromExtension
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  const fromContentType = byContentType[mediaType]
  if (fromContentType) return fromContentType
  throw contentErrors.PARSE_UNSUPPORTED_TYPE({ fileName, contentType, requested: '' })
}
