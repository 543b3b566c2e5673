import { contentErrors } from '../errors.js'
import { readAll } from './text-encoding.js'
import type { ParseOutcome, ParseSource } from './types.js'

interface TextItemLike {
  str?: string
  hasEOL?: boolean
}

/**
 * PDF text through pdfjs-dist, read whole (pdfjs needs random access; the upload limit bounds the size). Text
 * items are joined in content order, a line break after items that end a line; pages are separated by a blank
 * line. The title is the document information's Title when present.
 */
export async function parsePdf(source: ParseSource): Promise<ParseOutcome> {
  const buffer = await readAll(source.bytes, source.fileName)
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs')
  const task = getDocument({
    data: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  })
  try {
    const document = await task.promise
    const pages: string[] = []
    for (let number = 1; number <= document.numPages; number++) {
      const page = await document.getPage(number)
      const content = await page.getTextContent()
      pages.push(joinItems(content.items as TextItemLike[]))
      page.cleanup()
    }
    const { info } = (await document.getMetadata()) as unknown as { info?: Record<string, unknown> }
    const title =
      typeof info?.['Title'] === 'string' && info['Title'].trim() !== '' ? info['Title'].trim() : undefined
    const text = pages.join('\n\n')
    return title === undefined
      ? { kind: 'text', format: 'pdf', text, pages: document.numPages }
      : { kind: 'text', format: 'pdf', text, pages: document.numPages, title }
  } catch (error) {
    throw contentErrors.PARSE_CORRUPT_PDF({ reason: reasonOf(error) }, error)
  } finally {
    await task.destroy()
  }
}

function joinItems(items: TextItemLike[]): string {
  let text = ''
  for (const item of items) {
    if (typeof item.str === 'string') text += item.str
    if (item.hasEOL) text += '\n'
  }
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim()
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === 'PasswordException')
    return 'the document is password-protected'
  return error instanceof Error ? error.message : String(error)
}
