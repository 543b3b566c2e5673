import { describe, expect, it } from 'vitest'
import { chooseParsingType } from '../../../src/realms/business-enablement/content/parsing/index.js'
import { parseFailure } from './support.js'

describe('choosing the parser', () => {
  it('prefers the requested type, then the extension, then the content type', () => {
    expect(chooseParsingType('data.csv', 'application/json', 'tsv')).toBe('tsv')
    expect(chooseParsingType('Export.CSV', 'application/vnd.ms-excel')).toBe('csv')
    expect(chooseParsingType('dir/events.ndjson', '')).toBe('jsonl')
    expect(chooseParsingType('CUSTMAST.DAT', 'application/octet-stream')).toBe('copybook')
    expect(chooseParsingType('upload', 'text/csv; charset=utf-8')).toBe('csv')
    expect(chooseParsingType('upload', 'application/pdf')).toBe('pdf')
    expect(chooseParsingType('readme', 'text/markdown')).toBe('markdown')
    expect(
      chooseParsingType('report', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
    ).toBe('docx')
  })

  it('refuses unknown types with PARSE_UNSUPPORTED_TYPE', async () => {
    expect(() => chooseParsingType('photo.png', 'image/png')).toThrow(
      expect.objectContaining({ code: 'PARSE_UNSUPPORTED_TYPE', status: 400 }),
    )
    expect(() => chooseParsingType('a.csv', 'text/csv', 'parquet' as never)).toThrow(
      expect.objectContaining({ code: 'PARSE_UNSUPPORTED_TYPE' }),
    )
    expect(
      (await parseFailure('x', { fileName: 'legacy.doc', contentType: 'application/msword' })).code,
    ).toBe('PARSE_UNSUPPORTED_TYPE')
  })
})
