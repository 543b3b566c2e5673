import { describe, expect, it } from 'vitest'
import { attachmentDisposition, maxNameLength, sanitizeFileName } from './file-names.js'

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\ada\\report.csv', 'report.csv'],
    ['a/b/', 'upload'],
    ['...', 'upload'],
    [undefined, 'upload'],
    ['tab\tand\nnewline\r.csv', 'tabandnewline.csv'],
    ['\u0000\u001b[31mred.txt', '[31mred.txt'],
    ['invoice\u202efdp.exe', 'invoicefdp.exe'],
    ['.hidden', 'hidden'],
    ['e\u0301te\u0301.csv', 'été.csv'],
    ['broken\ud800.csv', 'broken\ufffd.csv'],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected)
  })

  it('bounds the length in characters and keeps a short extension', () => {
    const long = sanitizeFileName(`${'é'.repeat(500)}.xlsx`)
    expect([...long]).toHaveLength(maxNameLength)
    expect(long.endsWith('é.xlsx')).toBe(true)
    expect([...sanitizeFileName('😀'.repeat(300))]).toHaveLength(maxNameLength)
  })
})

describe('attachmentDisposition', () => {
  it('quotes an ASCII fallback and percent-encodes the exact name', () => {
    expect(attachmentDisposition('naïve report.csv')).toBe(
      `attachment; filename="na_ve report.csv"; filename*=UTF-8''na%C3%AFve%20report.csv`,
    )
  })

  it('cannot be broken out of by quotes, backslashes, semicolons or line breaks', () => {
    const header = attachmentDisposition('a"; filename="evil.html\r\nSet-Cookie: x=1\\.csv')
    expect(header).not.toMatch(/[\r\n]/)
    const [, fallback] = /filename="([^"]*)"/.exec(header) ?? []
    expect(fallback).toBe('a_; filename=_evil.html__Set-Cookie: x=1_.csv')
    expect(header.split('filename*=')[1]).toMatch(/^UTF-8''[A-Za-z0-9%._~-]+$/)
  })
})
