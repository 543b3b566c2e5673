/**
 * The content types an upload may declare, and what the bytes must then look like:
 * - `text`: UTF-8 (an optional BOM) or UTF-16 with its BOM, never a NUL; `json` is text that starts like a JSON
 *   value. Multipart parts carry no usable charset (the parser drops it), so text in another encoding is uploaded
 *   as `application/octet-stream`.
 * - `binary`: a signature that `file-type` recognises as the declared format (for XLSX/DOCX, the Office content
 *   types part inside the zip).
 * - `any`: `application/octet-stream` claims nothing (fixed-width records described by a copybook, for instance).
 */
export type ContentFamily =
  { kind: 'text'; json: boolean } | { kind: 'binary'; extension: 'pdf' | 'xlsx' | 'docx' } | { kind: 'any' }

export interface DeclaredType {
  /** The lower-case MIME type without parameters: what is stored and served back. */
  mime: string
  family: ContentFamily
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

/** Parses a declared content type (parameters are ignored); undefined when the type is not accepted. */
export function parseDeclaredType(declared: string): DeclaredType | undefined {
  const mime = (declared.split(';')[0] ?? '').trim().toLowerCase()
  const family = Object.hasOwn(families, mime) ? families[mime] : undefined
  return family && { mime, family }
}
