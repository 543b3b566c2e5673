import { describe, expect, it } from 'vitest'
import { ContentMismatch, createContentCheck, sniffWindowBytes } from './content-check.js'
import { type DeclaredType, docxType, parseDeclaredType, xlsxType } from './content-types.js'
import { writeZip } from '../../../../test/support/zip.js'

const officeZip = (mainType: string, part: string) =>
  writeZip({
    '[Content_Types].xml':
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      `<Override PartName="/${part}" ContentType="${mainType}"/></Types>`,
    [part]: '<root/>',
  })
const docx = officeZip(
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  'word/document.xml',
)

function declared(type: string): DeclaredType {
  const parsed = parseDeclaredType(type)
  if (!parsed) throw new Error(`not accepted: ${type}`)
  return parsed
}

/** Feeds `bytes` in pieces of `pieceBytes`; answers the mismatch reason, or null when the bytes pass. */
async function verdict(type: string, bytes: Buffer, pieceBytes = bytes.length || 1): Promise<string | null> {
  const check = createContentCheck(declared(type))
  try {
    for (let i = 0; i < bytes.length; i += pieceBytes) await check.feed(bytes.subarray(i, i + pieceBytes))
    await check.end()
    return null
  } catch (error) {
    if (error instanceof ContentMismatch) return error.message
    throw error
  }
}

describe('content check', () => {
  it('recognises a DOCX by the Office content types part inside the zip, and refuses it as XLSX', async () => {
    expect(await verdict(docxType, docx)).toBeNull()
    expect(await verdict(docxType, docx, 7)).toBeNull()
    expect(await verdict(xlsxType, docx)).toContain('wordprocessingml')
    expect(await verdict(xlsxType, writeZip({ 'a.txt': 'hello' }))).toContain('application/zip')
    expect(await verdict('text/csv', docx)).toContain('wordprocessingml')
  })

  it('accepts UTF-8 split anywhere between chunks, and refuses a sequence cut off at the end', async () => {
    const text = Buffer.from('naïve,€,😀\n'.repeat(10_000))
    expect(text.length).toBeGreaterThan(sniffWindowBytes)
    for (const piece of [1, 3, 1000, 65_537]) expect(await verdict('text/csv', text, piece)).toBeNull()
    expect(await verdict('text/csv', text.subarray(0, text.length - 2))).toContain('not valid')
    expect(await verdict('text/plain', Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toContain('not valid')
  })

  it('takes UTF-16 with a byte order mark, either way round, and refuses a lone surrogate', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\nç,d\n', 'utf16le')])
    const be = Buffer.from(le)
    be.swap16()
    expect(await verdict('text/csv', le, 3)).toBeNull()
    expect(await verdict('text/csv', be, 3)).toBeNull()
    const lone = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([0x00, 0xd8, 0x61, 0x00])])
    expect(await verdict('text/plain', lone)).toContain('not valid')
  })

  it('leaves text that merely starts like a short binary signature alone', async () => {
    expect(await verdict('text/csv', Buffer.from('ID3,name\n1,x\n'))).toBeNull()
    expect(await verdict('text/plain', Buffer.from('BM is a person\n'))).toBeNull()
  })

  it('wants JSON to start like a JSON value after an optional BOM and whitespace', async () => {
    expect(await verdict('application/json', Buffer.from('\ufeff \n[1]'))).toBeNull()
    expect(await verdict('application/x-ndjson', Buffer.from('"a"\n"b"\n'))).toBeNull()
    expect(await verdict('application/json', Buffer.from('  \n'))).toContain('no JSON')
    expect(await verdict('application/json', Buffer.from('<xml/>'))).toContain('does not start like JSON')
  })

  it('lets empty text through and refuses an empty binary', async () => {
    expect(await verdict('text/plain', Buffer.alloc(0))).toBeNull()
    expect(await verdict('application/pdf', Buffer.alloc(0))).toBe('no known signature')
    expect(await verdict('application/octet-stream', Buffer.alloc(0))).toBeNull()
  })
})

describe('declared types', () => {
  it('ignores parameters and case, and refuses unknown types', () => {
    expect(parseDeclaredType('Text/CSV; charset=UTF-8')).toMatchObject({ mime: 'text/csv' })
    expect(parseDeclaredType('text/html')).toBeUndefined()
    expect(parseDeclaredType('constructor')).toBeUndefined()
  })
})
