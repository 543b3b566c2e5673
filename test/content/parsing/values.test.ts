import { describe, expect, it } from 'vitest'
import {
  DATE,
  DATETIME,
  INTEGER,
  MISMATCH,
  NUMBER,
  castAs,
  columnType,
  classifyText,
  textValue,
  unify,
} from '../../../src/realms/business-enablement/content/parsing/values.js'

const samples = [
  '0',
  '-0',
  '7',
  '-42',
  '007',
  '-',
  '1.5',
  '-0.25',
  '10.50',
  '.5',
  '1.',
  '1e3',
  '123456789012345',
  '1234567890123456',
  '9007199254740991',
  '9007199254740993',
  '12345678901234.5',
  '1234567890123.45',
  'true',
  'false',
  'True',
  '2024-02-29',
  '2023-02-29',
  '2024-13-01',
  '2024-1-01',
  '2024-02-29T10:30',
  '2024-02-29T10:30:00.123+02:00',
  '2024-02-29T24:00',
  '2024-02-29 10:30',
  'hello',
  ' 1',
]

describe('the casting rule', () => {
  it('classifies texts conservatively', () => {
    const byType = (type: string) => samples.filter((text) => columnType(classifyText(text)) === type)
    expect(byType('integer')).toEqual([
      '0',
      '-0',
      '7',
      '-42',
      '123456789012345',
      '1234567890123456',
      '9007199254740991',
    ])
    expect(byType('number')).toEqual(['1.5', '-0.25', '10.50', '12345678901234.5', '1234567890123.45'])
    expect(byType('boolean')).toEqual(['true', 'false'])
    expect(byType('date')).toEqual(['2024-02-29'])
    expect(byType('datetime')).toEqual(['2024-02-29T10:30', '2024-02-29T10:30:00.123+02:00'])
    expect(byType('string')).toHaveLength(samples.length - 17)
  })

  it('casts in the streaming fast path exactly as classify-then-convert does', () => {
    for (const kind of [INTEGER, NUMBER, DATE, DATETIME]) {
      for (const text of samples) {
        const own = classifyText(text)
        const fits = unify(kind, own) === kind
        const fast = castAs(kind, text)
        if (fits) expect(fast, `${text} as ${kind}`).toEqual(textValue(own, text))
        else expect(fast, `${text} as ${kind}`).toBe(MISMATCH)
      }
    }
  })
})
