import { describe, expect, it } from 'vitest'
import { parseFile, type ParseSource } from '../../../src/realms/business-enablement/content/parsing/index.js'
import { encodeEbcdic } from '../../../src/realms/business-enablement/content/parsing/copybook/ebcdic.js'

/**
 * Streamed formats must hand rows to the sink while the input is still being read (that is what keeps memory
 * bounded): the source here notes how many rows the sink had received when each chunk was asked for.
 */
async function rowsSeenWhileReading(
  chunks: Uint8Array[],
  source: Omit<ParseSource, 'bytes'>,
): Promise<{ seen: number[]; total: number }> {
  let rows = 0
  const seen: number[] = []
  async function* bytes() {
    for (const chunk of chunks) {
      seen.push(rows)
      await Promise.resolve()
      yield chunk
    }
  }
  const sink = {
    startTable: () => undefined,
    row: () => {
      rows++
    },
    endTable: () => undefined,
  }
  await parseFile({ ...source, bytes: bytes() }, sink)
  return { seen, total: rows }
}

const manyChunks = (line: (i: number) => string, count: number) =>
  Array.from({ length: count }, (_, i) => Buffer.from(line(i)))

describe('streamed formats deliver rows while reading', () => {
  it('CSV: rows beyond the type sample reach the sink before the last chunk is read', async () => {
    const chunks = [Buffer.from('id,name\n'), ...manyChunks((i) => `${i},name ${i}\n`.repeat(50), 100)]
    const { seen, total } = await rowsSeenWhileReading(chunks, {
      fileName: 'big.csv',
      contentType: 'text/csv',
      options: { typeSampleRows: 100 },
    })
    expect(total).toBe(5000)
    expect(seen[seen.length - 1]).toBeGreaterThan(4000)
  })

  it('JSON Lines: the same', async () => {
    const chunks = manyChunks((i) => `{"id":${i},"name":"n${i}"}\n`.repeat(50), 100)
    const { seen, total } = await rowsSeenWhileReading(chunks, {
      fileName: 'big.jsonl',
      contentType: '',
      options: { typeSampleRows: 100 },
    })
    expect(total).toBe(5000)
    expect(seen[seen.length - 1]).toBeGreaterThan(4000)
  })

  it('copybook records: every record before the last chunk is already delivered', async () => {
    const chunks = Array.from({ length: 100 }, (_, i) =>
      encodeEbcdic(`${String(i).padStart(4, '0')}ABCD`.repeat(50)),
    )
    const { seen, total } = await rowsSeenWhileReading(chunks, {
      fileName: 'big.dat',
      contentType: '',
      copybook: '01 R.\n  05 N PIC 9(4).\n  05 T PIC X(4).\n',
    })
    expect(total).toBe(5000)
    expect(seen[seen.length - 1]).toBe(99 * 50)
  })
})
