import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { isPlatformError } from '../../../src/kernel/errors.js'
import type { ParsingType } from '../../../src/realms/business-enablement/content/parsing/index.js'
import { writeZip } from '../../support/zip.js'
import { buildDocx, buildPdf, parse, parseFailure } from './support.js'

const allTypes: ParsingType[] = [
  'csv',
  'tsv',
  'json',
  'jsonl',
  'xlsx',
  'text',
  'markdown',
  'pdf',
  'docx',
  'copybook',
]

function randomBytes(seed: number, length: number): Buffer {
  let state = seed
  return Buffer.from(
    Array.from({ length }, () => {
      state = (state * 1103515245 + 12345) % 2147483648
      return state >> 23
    }),
  )
}

describe('malformed input of every kind', () => {
  it('ends in success or a 400 PlatformError for random bytes, whatever the parser', async () => {
    for (const parsingType of allTypes) {
      for (let seed = 1; seed <= 5; seed++) {
        const bytes = randomBytes(seed * 7919, 50 + seed * 300)
        try {
          await parse(bytes, { fileName: 'random.bin', parsingType, copybook: '01 R.\n  05 F PIC X(10).\n' })
        } catch (error) {
          expect(isPlatformError(error), `${parsingType} seed ${seed}: ${String(error)}`).toBe(true)
          expect((error as { status: number }).status).toBe(400)
        }
      }
    }
  })

  it('ends in success or a 400 PlatformError for valid XLSX, DOCX and PDF files with a few bytes changed', async () => {
    const book = new ExcelJS.Workbook()
    const sheet = book.addWorksheet('A')
    for (let i = 0; i < 20; i++)
      sheet.addRow([i, `row ${i}`, new Date(Date.UTC(2024, 0, i + 1)), i % 2 === 0])
    const originals: [string, Buffer][] = [
      ['m.xlsx', Buffer.from(await book.xlsx.writeBuffer())],
      ['m.docx', buildDocx(['Hello world', 'second'])],
      ['m.pdf', buildPdf([['Hello', 'World'], ['Two']], 'T')],
    ]
    const noise = randomBytes(99, 4 * 40 * 3 * 2)
    let next = 0
    for (const [fileName, original] of originals) {
      for (let round = 0; round < 40; round++) {
        const bytes = Buffer.from(original)
        for (let k = 0; k < 4; k++)
          bytes[(noise.readUInt16BE((next++ % 480) * 2) * 7) % bytes.length] = round + k
        try {
          await parse(bytes, { fileName })
        } catch (error) {
          expect(isPlatformError(error), `${fileName} round ${round}: ${String(error)}`).toBe(true)
          expect((error as { status: number }).status).toBe(400)
        }
      }
    }
  })

  it('maps broken XML inside a well-formed zip for XLSX and DOCX', async () => {
    const xlsx = writeZip({
      '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
      'xl/workbook.xml': '<workbook><sheets><sheet name="A" sheetId="1" r:id="rId1"',
      'xl/worksheets/sheet1.xml': '<<<not xml',
    })
    expect((await parseFailure(xlsx, { fileName: 'broken.xlsx' })).code).toBe('PARSE_CORRUPT_XLSX')
    const docx = writeZip({
      '[Content_Types].xml': '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
      '_rels/.rels': '<Relationships><Relationship Id="rId1" Target="word/document.xml"',
      'word/document.xml': '<w:document><w:body><w:p>',
    })
    expect((await parseFailure(docx, { fileName: 'broken.docx' })).code).toBe('PARSE_CORRUPT_DOCX')
  })

  it('passes an error of the byte source through unchanged, for streamed and buffered formats', async () => {
    const { parseFile } = await import('../../../src/realms/business-enablement/content/parsing/index.js')
    const failure = new Error('connection reset')
    for (const fileName of ['a.csv', 'a.jsonl', 'a.json', 'a.xlsx', 'a.dat']) {
      async function* bytes() {
        yield Buffer.from(fileName.endsWith('.jsonl') ? '{"a":1}\n' : 'id,name\n1,x\n')
        throw failure
      }
      const sink = { startTable: () => undefined, row: () => undefined, endTable: () => undefined }
      await expect(
        parseFile({ bytes: bytes(), fileName, contentType: '', copybook: '01 R.\n  05 F PIC X(3).\n' }, sink),
      ).rejects.toBe(failure)
    }
  })
})
