import { checkEncoding, decodeText, readAll } from './text-encoding.js'
import type { ParseOutcome, ParseSource } from './types.js'

/**
 * Plain text and Markdown are returned whole, so they are read whole (bounded by the upload limit). The bytes
 * must be valid in the declared encoding (UTF-8 by default); a BOM is dropped. Markdown's title is its first
 * heading.
 */
export async function parseText(source: ParseSource, format: 'plain' | 'markdown'): Promise<ParseOutcome> {
  const text = decodeText(
    await readAll(source.bytes, source.fileName),
    checkEncoding(source.options?.encoding),
  )
  const title = format === 'markdown' ? markdownTitle(text) : undefined
  return title === undefined ? { kind: 'text', format, text } : { kind: 'text', format, text, title }
}

/** The first ATX (`# Title`) or setext (`Title` over `===`/`---`) heading outside fenced code blocks. */
export function markdownTitle(text: string): string | undefined {
  const lines = text.split(/\r?\n/)
  let fenced = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (/^ {0,3}(```|~~~)/.test(line)) {
      fenced = !fenced
      continue
    }
    if (fenced) continue
    const atx = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)
    if (atx?.[1]) return atx[1].trim()
    const next = lines[i + 1] ?? ''
    if (line.trim() !== '' && /^ {0,3}(=+|-+)[ \t]*$/.test(next) && !/^ {0,3}[-*+>]/.test(line))
      return line.trim()
  }
  return undefined
}
