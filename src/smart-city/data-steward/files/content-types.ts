import iconv from 'iconv-lite'

/**
 * The content types an upload may declare, and what the bytes must then look like:
 * - `text`: UTF-8 (the default charset) or BOM'd UTF-16, or another charset named in the type and known to
 *   iconv-lite; never a NUL byte outside UTF-16. `json` is text that starts like a JSON value.
 * - `binary`: a signature that `file-type` recognises as the declared format (for XLSX/DOCX, the Office content
 *   types part inside the zip).
 * - `any`: `application/octet-stream` claims nothing (fixed-width records described by a copybook, for instance).
 */
export type ContentFamily =
  { kind: 'text'; json: boolean } | { kind: 'binary'; extension: 'pdf' | 'xlsx' | 'docx' } | { kind: 'any' }

export interface DeclaredType {
  mime: string
  /** Lower-case charset from the declared type; undefined means UTF-8 (or UTF-16 when the bytes start with a BOM). */
  charset: string | undefined
  family: ContentFamily
  /** What is stored and served back: the MIME type, plus the charset when it is neither UTF-8 nor UTF-16. */
  stored: string
}

export const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
export const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'

const families: Readonly<Record<string, ContentFamily>> = {
  'text/csv': { kind: 'text', json: false },
  'text/tab-separated-values': { kind: 'text', json: false },
  'text/plain': { kind: 'text', json: false },
  'text/markdown': { kind: 'text', json: false },
  'application/json': { kind: 'text', json: true },
  'application/x-ndjson': { kind: 'text', json: true },
  'application/pdf': { kind: 'binary', extension: 'pdf' },
  [xlsxType]: { kind: 'binary', extension: 'xlsx' },
  [docxType]: { kind: 'binary', extension: 'docx' },
  'application/octet-stream': { kind: 'any' },
}

export const acceptedTypes: readonly string[] = Object.keys(families)

const utf8Names = new Set(['utf-8', 'utf8'])
const utf16Names = new Set(['utf-16', 'utf-16le', 'utf-16be', 'utf16'])

/** Parses a declared content type; undefined when the type or its charset is not accepted. */
export function parseDeclaredType(declared: string): DeclaredType | undefined {
  const [rawMime = '', ...params] = declared.split(';')
  const mime = rawMime.trim().toLowerCase()
  const family = families[mime]
  if (family === undefined) return undefined
  let charset: string | undefined
  for (const param of params) {
    const index = param.indexOf('=')
    if (index < 0) continue
    if (param.slice(0, index).trim().toLowerCase() !== 'charset') continue
    charset = param
      .slice(index + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase()
  }
  if (charset !== undefined && utf8Names.has(charset)) charset = undefined
  if (charset !== undefined) {
    if (family.kind !== 'text') return undefined
    if (!utf16Names.has(charset) && (!/^[a-z0-9._:-]{1,40}$/.test(charset) || !iconv.encodingExists(charset)))
      return undefined
  }
  const keepsCharset = charset !== undefined && !utf16Names.has(charset)
  return { mime, charset, family, stored: keepsCharset ? `${mime}; charset=${charset}` : mime }
}

export function isUtf16(charset: string | undefined): boolean {
  return charset !== undefined && utf16Names.has(charset)
}
