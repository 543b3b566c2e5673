import { describe, expect, it } from 'vitest'
import { buildDocx, buildPdf, parse, parseFailure } from './support.js'

describe('text and Markdown', () => {
  it('returns text as is and never calls the sink', async () => {
    const { outcome, tables } = await parse('first line\nsecond – line\n', { fileName: 'notes.txt' })
    expect(outcome).toEqual({ kind: 'text', format: 'plain', text: 'first line\nsecond – line\n' })
    expect(tables).toEqual([])
  })

  it('takes the Markdown title from the first heading, outside code fences', async () => {
    const atx = await parse('```\n# not this\n```\n\n## Quarterly *report* ##\n\ntext', { fileName: 'r.md' })
    expect(atx.outcome).toMatchObject({ kind: 'text', format: 'markdown', title: 'Quarterly *report*' })
    const setext = await parse('Intro Title\n===========\nbody', { fileName: 'r.markdown' })
    expect(setext.outcome).toMatchObject({ title: 'Intro Title' })
    const none = await parse('just text', { fileName: 'r.md' })
    expect(none.outcome).not.toHaveProperty('title')
  })

  it('validates UTF-8 with the byte position and decodes other declared encodings', async () => {
    const bad = await parseFailure(Buffer.from([0x68, 0x69, 0x0a, 0xed, 0xa0, 0x80]), { fileName: 'b.txt' })
    expect(bad).toMatchObject({ code: 'PARSE_INVALID_ENCODING', details: { position: 3 } })
    const latin1 = await parse(Buffer.from([0x63, 0x61, 0x66, 0xe9]), {
      fileName: 'l.txt',
      options: { encoding: 'latin1' },
    })
    expect(latin1.outcome).toMatchObject({ text: 'café' })
    expect((await parseFailure('', { fileName: 'e.txt' })).code).toBe('PARSE_EMPTY_FILE')
  })
})

describe('PDF text', () => {
  it('extracts the text of every page with the page count and the document title', async () => {
    const pdf = buildPdf(
      [['Hello PDF world', 'Second line (with parens)'], ['Page two text']],
      'Annual Report',
    )
    const { outcome, tables } = await parse(pdf, { fileName: 'report.pdf', contentType: 'application/pdf' })
    expect(tables).toEqual([])
    expect(outcome).toMatchObject({ kind: 'text', format: 'pdf', pages: 2, title: 'Annual Report' })
    const text = outcome.kind === 'text' ? outcome.text : ''
    expect(text.split('\n\n')).toHaveLength(2)
    expect(text).toContain('Hello PDF world\nSecond line (with parens)')
    expect(text.split('\n\n')[1]).toBe('Page two text')
  })

  it('reports garbage and cut-off files as PARSE_CORRUPT_PDF', async () => {
    const garbage = await parseFailure('this is not a pdf at all', { fileName: 'x.pdf' })
    expect(garbage.code).toBe('PARSE_CORRUPT_PDF')
    const pdf = buildPdf([['Hello']])
    const cut = await parseFailure(pdf.subarray(0, 20), { fileName: 'cut.pdf' })
    expect(cut.code).toBe('PARSE_CORRUPT_PDF')
  })
})

describe('DOCX text', () => {
  it('extracts the paragraphs of a minimal document', async () => {
    const docx = buildDocx(['Standard Operating Procedure', 'Step 1: check the <valve> & log it.'])
    const { outcome, tables } = await parse(docx, { fileName: 'sop.docx' })
    expect(tables).toEqual([])
    expect(outcome).toEqual({
      kind: 'text',
      format: 'docx',
      text: 'Standard Operating Procedure\n\nStep 1: check the <valve> & log it.',
    })
  })

  it('reports truncated and non-zip files as PARSE_CORRUPT_DOCX', async () => {
    const docx = buildDocx(['Hello'])
    expect((await parseFailure(docx.subarray(0, docx.length - 30), { fileName: 'cut.docx' })).code).toBe(
      'PARSE_CORRUPT_DOCX',
    )
    expect((await parseFailure('plain text', { fileName: 'fake.docx' })).code).toBe('PARSE_CORRUPT_DOCX')
  })
})
