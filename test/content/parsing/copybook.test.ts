import { describe, expect, it } from 'vitest'
import { parseCopybook } from '../../../src/realms/business-enablement/content/parsing/index.js'
import {
  decodeEbcdic,
  encodeEbcdic,
} from '../../../src/realms/business-enablement/content/parsing/copybook/ebcdic.js'
import { parse, parseFailure, types } from './support.js'

const customerCopybook = `
      * Customer master record, as a mainframe team would send it
       01  CUSTOMER-RECORD.
           05  CUST-ID            PIC 9(6).
           05  CUST-NAME          PIC X(10).
           05  BALANCE            PIC S9(5)V99 COMP-3.
           05  VISITS             PIC S9(4) COMP.
           05  SCORE              PIC S9(3)V9.
           05  FILLER             PIC X(2).
           05  PHONES OCCURS 2 TIMES.
               10  PHONE          PIC X(4).
           05  STATUS-CODE        PIC X.
               88  ACTIVE         VALUE 'A'.
               88  CLOSED         VALUE 'C' 'X'.
           05  DATES.
               10  OPENED         PIC 9(8).
           05  DATES-ALT REDEFINES DATES PIC X(8).
           05  BIG                PIC 9(18) BINARY.
`

function customerRecord(parts: {
  id: string
  name: string
  balance: number[]
  visits: number[]
  score: string
  phones: string
  status: string
  opened: string
  big: bigint
}): Buffer {
  const big = Buffer.alloc(8)
  big.writeBigUInt64BE(parts.big)
  return Buffer.concat([
    encodeEbcdic(parts.id),
    encodeEbcdic(parts.name.padEnd(10)),
    Buffer.from(parts.balance),
    Buffer.from(parts.visits),
    encodeEbcdic(parts.score),
    encodeEbcdic('**'),
    encodeEbcdic(parts.phones),
    encodeEbcdic(parts.status),
    encodeEbcdic(parts.opened),
    big,
  ])
}

const first = customerRecord({
  id: '000042',
  name: 'JOSÉ',
  balance: [0x01, 0x23, 0x45, 0x6d],
  visits: [0x01, 0x2c],
  score: '012L',
  phones: '5551    ',
  status: 'A',
  opened: '20240229',
  big: 123456789012345678n,
})
const second = customerRecord({
  id: '000043',
  name: 'ADA',
  balance: [0x40, 0x40, 0x40, 0x40],
  visits: [0xff, 0xfe],
  score: '    ',
  phones: '77778888',
  status: 'C',
  opened: '        ',
  big: 7n,
})

describe('COBOL copybook layouts', () => {
  it('computes offsets, lengths and the record length; OCCURS, REDEFINES, FILLER, 88 handled', () => {
    const layout = parseCopybook(customerCopybook)
    expect(layout.recordName).toBe('CUSTOMER-RECORD')
    expect(layout.recordLength).toBe(53)
    expect(
      layout.fields.map((field) => [field.name, field.offset, field.length, field.storage, field.type]),
    ).toEqual([
      ['CUST-ID', 0, 6, 'display', 'integer'],
      ['CUST-NAME', 6, 10, 'alphanumeric', 'string'],
      ['BALANCE', 16, 4, 'packed', 'number'],
      ['VISITS', 20, 2, 'binary', 'integer'],
      ['SCORE', 22, 4, 'display', 'number'],
      ['PHONE_1', 28, 4, 'alphanumeric', 'string'],
      ['PHONE_2', 32, 4, 'alphanumeric', 'string'],
      ['STATUS-CODE', 36, 1, 'alphanumeric', 'string'],
      ['OPENED', 37, 8, 'display', 'integer'],
      ['BIG', 45, 8, 'binary', 'string'],
    ])
  })

  it('reads fixed-format source (sequence numbers, comment lines, identification area) and nested OCCURS', () => {
    const source = [
      '000100*  A COMMENT LINE THAT WOULD NOT PARSE: PIC ???',
      '000200 01  ORDER-REC.                                                   ORDR0001',
      '000300     05  ORDER-NO      PIC X(5).                                  ORDR0002',
      '000400     05  LINES OCCURS 2.                                          ORDR0003',
      '000500         10  QTY       PIC 9(3) OCCURS 2 TIMES.                   ORDR0004',
      '000600         10  PRICE     PIC S9(3)V99 PACKED-DECIMAL.               ORDR0005',
      '000700     05  TOTAL         PIC S9(7)V99 SIGN LEADING SEPARATE.        ORDR0006',
    ].join('\n')
    const layout = parseCopybook(source)
    expect(layout.recordLength).toBe(5 + 2 * (6 + 3) + 10)
    expect(layout.fields.map((field) => `${field.name}@${field.offset}`)).toEqual([
      'ORDER-NO@0',
      'QTY_1_1@5',
      'QTY_1_2@8',
      'PRICE_1@11',
      'QTY_2_1@14',
      'QTY_2_2@17',
      'PRICE_2@20',
      'TOTAL@23',
    ])
  })

  it('understands the usual clause spellings: IS/ARE, USAGE on groups, VALUE, INDEXED BY, KEY IS, SYNC', () => {
    const source = `
       01  REC.
           05  NAME PICTURE IS X(5) VALUE IS SPACES.
           05  AMOUNTS USAGE IS COMPUTATIONAL-3.
               10  AMOUNT PIC S9(3)V99 OCCURS 2 TIMES
                   ASCENDING KEY IS AMOUNT INDEXED BY AMT-IDX.
           05  FLAG PIC X JUSTIFIED RIGHT VALUE 'Y'.
               88  FLAG-ON VALUES ARE 'Y' 'y'.
           05  COUNTER PIC S9(4) USAGE BINARY SYNC VALUE ZERO.
           66  ALIAS RENAMES NAME.
    `
    const layout = parseCopybook(source)
    expect(layout.fields.map((field) => [field.name, field.offset, field.length, field.storage])).toEqual([
      ['NAME', 0, 5, 'alphanumeric'],
      ['AMOUNT_1', 5, 3, 'packed'],
      ['AMOUNT_2', 8, 3, 'packed'],
      ['FLAG', 11, 1, 'alphanumeric'],
      ['COUNTER', 12, 2, 'binary'],
    ])
    expect(layout.recordLength).toBe(14)
  })

  it('uses the first 01 record unless another is named; items without a 01 form one record', () => {
    const two =
      '01 HEADER-REC.\n  05 KIND PIC X.\n  05 COUNT-OF PIC 9(4).\n01 DETAIL-REC.\n  05 KIND PIC X.\n  05 AMOUNT PIC 9(3)V99.\n'
    expect(parseCopybook(two).fields.map((field) => field.name)).toEqual(['KIND', 'COUNT-OF'])
    expect(parseCopybook(two, { recordName: 'detail-rec' }).fields.map((field) => field.name)).toEqual([
      'KIND',
      'AMOUNT',
    ])
    const bare = parseCopybook('05 A PIC X(2).\n05 B PIC 9.\n')
    expect([bare.recordName, bare.recordLength]).toEqual(['RECORD', 3])
  })

  it('refuses invalid copybooks with the line of the problem', () => {
    const cases: [string, number, RegExp][] = [
      ['01 R.\n  05 A PIC X(0).\n', 2, /repeat counts/],
      ['01 R.\n  05 A PIC Q(3).\n', 2, /not a supported picture/],
      ['01 R.\n  05 A PIC X(3)\n  05 B PIC X.\n', 3, /unexpected word 05 \(is the period/],
      ['01 R.\n  05 A PIC X(3).\n  05 B PIC X', 3, /does not end with a period/],
      ['01 R.\n  05 A PIC 9(3) OCCURS 1 TO 5 DEPENDING ON N.\n', 2, /DEPENDING ON/],
      ['01 R.\n  05 A PIC X(3) COMP-3.\n', 2, /must be DISPLAY/],
      ['01 R.\n  05 A PIC 9(4) COMP-1.\n', 2, /COMP-1 is not supported/],
      ['01 R.\n  05 A.\n', 2, /neither a PIC/],
      ['01 R.\n  05 B REDEFINES A PIC X.\n', 2, /not a preceding sibling/],
      ['01 R.\n  5X A PIC X.\n', 2, /level number/],
      ['01 R.\n  05 G OCCURS 200.\n    10 A PIC X OCCURS 100.\n', 1, /20000 columns, more than 10000/],
      ['01 R.\n  05 A PIC X(60000) OCCURS 20.\n', 1, /1200000 bytes long/],
    ]
    for (const [source, line, reason] of cases) {
      let error: unknown
      try {
        parseCopybook(source)
      } catch (caught) {
        error = caught
      }
      expect(error, source).toMatchObject({ code: 'COPYBOOK_INVALID', details: { line } })
      expect((error as { details: { reason: string } }).details.reason, source).toMatch(reason)
    }
  })
})

describe('mainframe records described by a copybook', () => {
  it('decodes EBCDIC records: zoned, overpunched, COMP-3, COMP, OCCURS, blanks as null', async () => {
    const data = Buffer.concat([first, second])
    const { outcome, tables } = await parse(data, {
      fileName: 'CUSTMAST.dat',
      copybook: customerCopybook,
      chunkSize: 7,
      slow: true,
    })
    expect(tables[0]?.name).toBe('CUSTMAST')
    expect(tables[0]?.rows).toEqual([
      [42, 'JOSÉ', -1234.56, 300, -12.3, '5551', '', 'A', 20240229, '123456789012345678'],
      [43, 'ADA', null, -2, null, '7777', '8888', 'C', null, '7'],
    ])
    expect(types(tables[0])).toMatchObject({ BALANCE: 'number', VISITS: 'integer', BIG: 'string' })
    expect(tables[0]?.result?.columns.find((column) => column.name === 'BALANCE')?.nullable).toBe(true)
    expect(outcome).toMatchObject({ kind: 'table', tables: [{ name: 'CUSTMAST', rowCount: 2 }] })
  })

  it('reads ASCII newline-terminated records, detecting the record format', async () => {
    const copybook = '01 R.\n  05 CODE PIC X(3).\n  05 QTY PIC S9(3).\n  05 PRICE PIC 9(2)V99.\n'
    const data = 'AB 01{1250\r\nXYZ12J0099\r\n'
    const { tables } = await parse(data, {
      fileName: 'r.txt',
      parsingType: 'copybook',
      copybook,
      options: { encoding: 'ascii' },
    })
    expect(tables[0]?.rows).toEqual([
      ['AB', 10, 12.5],
      ['XYZ', -121, 0.99],
    ])
  })

  it('reports data that does not fit the copybook with the record number', async () => {
    const short = await parseFailure(Buffer.concat([first, second.subarray(0, 40)]), {
      fileName: 'c.dat',
      copybook: customerCopybook,
    })
    expect(short.code).toBe('COPYBOOK_RECORD_MISMATCH')
    expect(short.details).toEqual({ record: 2, actual: 40, expected: 53 })
    const lines = await parseFailure('AAA\nBBBB\n', {
      fileName: 'c.dat',
      copybook: '01 R.\n  05 F PIC X(3).\n',
      options: { encoding: 'ascii', recordFormat: 'newline' },
    })
    expect(lines.details).toEqual({ record: 2, actual: 4, expected: 3 })
  })

  it('reports a bad COMP-3 nibble or a non-digit in a zoned field with record and field', async () => {
    const badPacked = Buffer.from(first)
    badPacked[17] = 0x2a
    const packed = await parseFailure(Buffer.concat([second, badPacked]), {
      fileName: 'c.dat',
      copybook: customerCopybook,
    })
    expect(packed).toMatchObject({
      code: 'COPYBOOK_BAD_FIELD_DATA',
      details: { record: 2, field: 'BALANCE' },
    })
    const badZoned = Buffer.from(first)
    badZoned[2] = encodeEbcdic('Q')[0]!
    const zoned = await parseFailure(badZoned, { fileName: 'c.dat', copybook: customerCopybook })
    expect(zoned).toMatchObject({ code: 'COPYBOOK_BAD_FIELD_DATA', details: { record: 1, field: 'CUST-ID' } })
  })

  it('needs a copybook, and refuses an empty data file', async () => {
    expect((await parseFailure(first, { fileName: 'c.dat' })).code).toBe('PARSE_COPYBOOK_REQUIRED')
    expect((await parseFailure('', { fileName: 'c.dat', copybook: customerCopybook })).code).toBe(
      'PARSE_EMPTY_FILE',
    )
  })

  it('maps EBCDIC cp037 bytes to the right characters', () => {
    const bytes = Uint8Array.from([
      0xc1, 0xc9, 0xd1, 0xe2, 0xe9, 0x81, 0xa9, 0xf0, 0xf9, 0x40, 0x4b, 0x5b, 0x7c, 0xba, 0xbb, 0x4a, 0x9f,
      0x15,
    ])
    expect(decodeEbcdic(bytes)).toBe('AIJSZaz09 .$@[]¢¤\u0085')
    const all = decodeEbcdic(Uint8Array.from({ length: 256 }, (_, i) => i))
    expect(new Set(all).size).toBe(256)
  })
})
