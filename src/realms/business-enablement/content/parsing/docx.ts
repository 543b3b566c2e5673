import mammoth from 'mammoth'
import { contentErrors } from '../errors.js'
import { readAll } from './text-encoding.js'
import type { ParseOutcome, ParseSource } from './types.js'

/**
 * DOCX text through mammoth's raw text extraction, read whole (a zip needs its central directory at the end;
 * the upload limit bounds the size). Paragraphs are separated by blank lines, as mammoth writes them.
 */
export async function parseDocx(source: ParseSource): Promise<ParseOutcome> {
  const buffer = await readAll(source.bytes, source.fileName)
  let text: string
  try {
    text = (await mammoth.extractRawText({ buffer })).value
  } catch (error) {
    throw contentErrors.PARSE_CORRUPT_DOCX(
      { reason: error instanceof Error ? error.message : String(error) },
      error,
    )
  }
  const trimmed = text.trim()
  return { kind: 'text', format: 'docx', text: trimmed }
}
