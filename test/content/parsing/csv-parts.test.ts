import { describe, expect, it } from 'vitest'
import { parseFile } from '../../../src/realms/business-enablement/content/parsing/index.js'
import {
  type ParseCall,
  failureOf,
  jsonCollectingSink,
  partsCollectingSink,
  partsInProcess,
  sourceOf,
} from './support.js'

/**
 * Parses `csv` on one thread and again in parts of each size (results out of order), and expects the same: rows,
 * columns and outcome, or the same error. Answers how many parts the smallest size was parsed in.
 */
async function sameInParts(csv: string | Buffer, call: ParseCall, sizes = [1, 5, 16, 100]): Promise<number> {
  const oneThread = jsonCollectingSink()
  let expected: { outcome: unknown } | { error: unknown }
  try {
    expected = { outcome: await parseFile(sourceOf(csv, call), oneThread) }
  } catch (error) {
    expected = { error }
  }
  let firstCalls = 0
  for (const size of sizes) {
    const parts = partsInProcess(size)
    const sink = partsCollectingSink()
    if ('error' in expected) {
      const failure = await failureOf(parseFile(sourceOf(csv, call, parts), sink))
      const { code, details } = expected.error as { code: string; details: unknown }
      expect({ size, code: failure.code, details: failure.details }).toEqual({ size, code, details })
    } else {
      expect(await parseFile(sourceOf(csv, call, parts), sink)).toEqual(expected.outcome)
      expect(sink.tables).toEqual(oneThread.tables)
    }
    firstCalls ||= parts.calls
  }
  return firstCalls
}

const sampled = (typeSampleRows: number, more: ParseCall['options'] = {}): ParseCall => ({
  fileName: 'p.csv',
  options: { typeSampleRows, ...more },
})

describe('CSV parsed in parts equals the one-thread parse', () => {
  it('rows with quoted line breaks, quotes and commas across every split point', async () => {
    const rows = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? `${i},"multi\nline, ""quoted""\n${i}",${i}.5` : `${i},plain ${i},${i}.25`,
    )
    const calls = await sameInParts(['id,text,amount', ...rows].join('\n') + '\n', sampled(4))
    expect(calls).toBeGreaterThan(10)
  })

  it('CRLF records, a CR or LF alone inside fields, a file without a final line break', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},"a\r\nb\nc\rd",x${i}\ry`)
    await sameInParts(['n,t,u', ...rows].join('\r\n'), sampled(3))
    await sameInParts(['n,t,u', ...rows].join('\r\n') + '\r\n\r\n', sampled(3))
  })

  it('records ending with a lone CR are parsed on one thread, with the same result', async () => {
    await sameInParts(['n,t', ...Array.from({ length: 30 }, (_, i) => `${i},"x\ny"`)].join('\r'), sampled(2))
  })

  it('stray quotes that upset the quote count, and blank lines between records', async () => {
    const rows = Array.from({ length: 50 }, (_, i) =>
      i % 7 === 0 ? `${i},5" tv,"ok\n${i}"` : i % 5 === 0 ? `${i},"x"y,z\n\n` : `${i},b,c`,
    )
    await sameInParts(['a,b,c', ...rows].join('\n'), sampled(3))
  })

  it('a column widened only in a later part: text from that row on, widenedAtRow counted over all parts', async () => {
    const rows = Array.from({ length: 80 }, (_, i) => `${i === 61 ? 'n/a' : i},${i % 2 === 0},${i}.5`)
    const csv = ['id,flag,amount', ...rows, '1.5,maybe,x'].join('\n')
    await sameInParts(csv, sampled(5))
    const sink = partsCollectingSink()
    const outcome = await parseFile(sourceOf(csv, sampled(5), partsInProcess(16)), sink)
    expect(outcome).toMatchObject({
      tables: [
        {
          columns: [
            { name: 'id', type: 'string', widenedAtRow: 61 },
            { name: 'flag', type: 'string', widenedAtRow: 80 },
            { name: 'amount', type: 'string', widenedAtRow: 80 },
          ],
        },
      ],
    })
    expect(sink.tables[0]?.rows.slice(60, 63)).toEqual([
      [60, true, 60.5],
      ['n/a', false, 61.5],
      ['62', true, 62.5],
    ])
  })

  it('the header row is skipped once, also when it holds a quoted line break', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${i * 2}`)
    await sameInParts(['"first\nname","second"', ...rows].join('\n'), sampled(2))
    await sameInParts(['1,2', ...rows].join('\n'), sampled(2, { header: false }))
  })

  it('errors in a later part carry the absolute line: a wide row, an unclosed quote, a record too large', async () => {
    const before = Array.from({ length: 40 }, (_, i) => `${i},"two\nlines"`)
    const wide = [...before, '1,2,3', ...before].join('\n')
    expect(await sameInParts(`a,b\n${wide}`, sampled(3, { header: true }))).toBeGreaterThan(1)
    const unclosed = [...before, '9,"never closed', ...before].join('\n')
    await sameInParts(`a,b\n${unclosed}`, sampled(3))
    const large = [...before, `9,"${'x'.repeat(300)}"`, ...before].join('\n')
    await sameInParts(`a,b\n${large}`, sampled(3, { maxRecordBytes: 200 }))
    const largeUnclosed = [...before, `9,"${'x\n'.repeat(300)}`].join('\n')
    await sameInParts(`a,b\n${largeUnclosed}`, sampled(3, { maxRecordBytes: 200 }))
  })

  it('the first error in the file wins, whichever part finishes first', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => (i === 12 ? '1,2,3' : i === 30 ? '1,2,3,4' : `${i},x`))
    await sameInParts(['a,b', ...rows].join('\n'), sampled(2, { header: true }))
  })

  it('invalid UTF-8 after parts were sent is reported with its byte position', async () => {
    const head = Buffer.from(
      ['a,b', ...Array.from({ length: 40 }, (_, i) => `${i},"q\n${i}"`)].join('\n') + '\n',
    )
    await sameInParts(Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from('\n1,2\n')]), sampled(2))
  })

  it('TSV and an explicit delimiter and quote', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i}\t'a\tb\n${i}'\t${i}.5`)
    await sameInParts(['x\ty\tz', ...rows].join('\n'), { ...sampled(2, { quote: "'" }), fileName: 'p.tsv' })
  })

  it('random text made of delimiters, quotes, line breaks and values', async () => {
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const alphabet = [
      'a',
      'b',
      '1',
      '2',
      '-',
      '.',
      'true',
      ',',
      ',',
      '"',
      '""',
      '\n',
      '\n',
      '\r\n',
      '\r',
      ' ',
    ]
    for (let round = 0; round < 60; round++) {
      const pieces = ['c1,c2,c3\n']
      const length = 20 + Math.floor(random() * 300)
      for (let i = 0; i < length; i++) pieces.push(alphabet[Math.floor(random() * alphabet.length)]!)
      await sameInParts(pieces.join(''), sampled(1 + Math.floor(random() * 4)), [1, 3, 11])
    }
  })
})
