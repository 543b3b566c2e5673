import ExcelJS from 'exceljs'
import type { LightMyRequestResponse } from 'fastify'
import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { createContentPillar, type TextIndexer } from '../../src/realms/business-enablement/content/index.js'
import { encodeEbcdic } from '../../src/realms/business-enablement/content/parsing/copybook/ebcdic.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { csvType, docxType, filesClient, type PartSpec, xlsxType } from '../data-steward/file-support.js'
import { putRole } from '../security/guard-support.js'
import { buildDocx, buildPdf } from './parsing/support.js'

interface ColumnView {
  name: string
  type: string
  nullable: boolean
}

interface ParseView {
  datasetId: string
  kind: 'table' | 'text'
  parsingType: string
  rows?: number
  columns?: ColumnView[]
  datasets?: { datasetId: string; name: string; sheet?: string; rows: number; columns: ColumnView[] }[]
  text?: string
  textTruncated?: boolean
  title?: string
  pages?: number
}

interface PreviewView {
  kind: string
  columns: ColumnView[]
  rows: Record<string, unknown>[]
  text?: string
  totalRows: number
}

const copybook = `
       01  CUSTOMER.
           05  CUST-ID        PIC 9(4).
           05  CUST-NAME      PIC X(6).
           05  BALANCE        PIC S9(3)V99 COMP-3.
`

function customer(id: string, name: string, balance: number[]): Buffer {
  return Buffer.concat([encodeEbcdic(id), encodeEbcdic(name.padEnd(6)), Buffer.from(balance)])
}

async function twoSheets(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const people = workbook.addWorksheet('people')
  people.addRow(['id', 'name'])
  people.addRow([1, 'Ada'])
  people.addRow([2, 'Grace'])
  const totals = workbook.addWorksheet('totals')
  totals.addRow(['month', 'amount'])
  for (let month = 1; month <= 3; month++) totals.addRow([`2024-0${month}`, month * 10.5])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

describeOnProfiles('Content pillar: POST /api/v1/content/parse', (profile) => {
  let node: Platform
  let owner: Account
  let stranger: Account
  const files = filesClient(() => node)

  beforeAll(async () => {
    node = await profile.startNode()
    owner = await signUp(node.gateway)
    stranger = await signUp(node.gateway)
  })

  const call = (who: Account, method: 'GET' | 'POST', url: string, payload?: object) =>
    node.gateway.inject({ method, url, headers: who.auth, ...(payload && { payload }) })
  const parseFile = (fileId: string, extra: object = {}, who = owner) =>
    call(who, 'POST', '/api/v1/content/parse', { fileId, ...extra })
  const upload = async (parts: PartSpec[], who = owner) => (await files.uploadOk(who, parts)).id
  const uploadOne = (filename: string, contentType: string, content: Buffer | string) =>
    upload([{ name: 'file', filename, contentType, content }])
  const parsed = (response: LightMyRequestResponse): ParseView => {
    expect(response.statusCode, response.body).toBe(201)
    return response.json<ParseView>()
  }
  const preview = async (datasetId: string): Promise<PreviewView> => {
    const response = await call(owner, 'GET', `/api/v1/datasets/${datasetId}/preview?maxRows=10`)
    expect(response.statusCode, response.body).toBe(200)
    return response.json<PreviewView>()
  }
  const datasetIds = async (who = owner): Promise<string[]> =>
    (await call(who, 'GET', '/api/v1/datasets?limit=200'))
      .json<{ items: { id: string }[] }>()
      .items.map((item) => item.id)
  const storedDatasetKeys = async (tenantId: string) =>
    (await files.storedKeys(tenantId)).filter((key) => key.includes('/datasets/'))

  it('parses a CSV into a table dataset with typed columns, previewable rows and a source', async () => {
    const fileId = await uploadOne(
      'orders.csv',
      csvType,
      'id,customer,amount,paid,ordered,code\n1,Ada,12.50,true,2024-03-01,007\n2,Grace,3,false,2024-03-02,\n',
    )
    const body = parsed(await parseFile(fileId))
    expect(body).toMatchObject({ kind: 'table', parsingType: 'csv', rows: 2 })
    expect(body.columns).toEqual([
      { name: 'id', type: 'integer', nullable: false },
      { name: 'customer', type: 'string', nullable: false },
      { name: 'amount', type: 'number', nullable: false },
      { name: 'paid', type: 'boolean', nullable: false },
      { name: 'ordered', type: 'date', nullable: false },
      { name: 'code', type: 'string', nullable: true },
    ])
    expect(body.datasets).toEqual([
      { datasetId: body.datasetId, name: 'orders.csv', rows: 2, columns: body.columns },
    ])
    expect((await preview(body.datasetId)).rows).toEqual([
      { id: 1, customer: 'Ada', amount: 12.5, paid: true, ordered: '2024-03-01', code: '007' },
      { id: 2, customer: 'Grace', amount: 3, paid: false, ordered: '2024-03-02', code: null },
    ])
    const record = await call(owner, 'GET', `/api/v1/datasets/${body.datasetId}`)
    expect(record.json()).toMatchObject({
      kind: 'table',
      rowCount: 2,
      source: { fileId, parsingType: 'csv' },
    })
  })

  it('keeps a column named __proto__ as data', async () => {
    const fileId = await uploadOne('proto.csv', csvType, '__proto__,a\nx,1\n')
    const body = parsed(await parseFile(fileId))
    expect(body.columns?.map((c) => c.name)).toEqual(['__proto__', 'a'])
    const rows = (await preview(body.datasetId)).rows
    expect(rows).toHaveLength(1)
    expect(Object.getOwnPropertyDescriptor(rows[0], '__proto__')?.value).toBe('x')
    expect(rows[0]?.['a']).toBe(1)
  })

  it('lists the parsed dataset downstream of the file in its lineage', async () => {
    const fileId = await uploadOne('lineage.csv', csvType, 'a\n1\n')
    const { datasetId } = parsed(await parseFile(fileId))
    const lineage = await call(owner, 'GET', `/api/v1/lineage/${fileId}`)
    expect(lineage.statusCode, lineage.body).toBe(200)
    expect(lineage.json<{ downstream: unknown[] }>().downstream).toEqual([
      { id: datasetId, kind: 'dataset', relation: 'parsed_from', via: fileId, depth: 1 },
    ])
  })

  it('parses TSV, JSON and JSONL into tables', async () => {
    const tsv = parsed(await parseFile(await uploadOne('t.tsv', 'text/tab-separated-values', 'x\ty\n1\ta\n')))
    expect(tsv).toMatchObject({ parsingType: 'tsv', rows: 1 })
    expect((await preview(tsv.datasetId)).rows).toEqual([{ x: 1, y: 'a' }])

    const json = parsed(
      await parseFile(
        await uploadOne('j.json', 'application/json', '[{"k":1,"tags":["a"]},{"k":2.5,"tags":null}]'),
      ),
    )
    expect(json.columns).toEqual([
      { name: 'k', type: 'number', nullable: false },
      { name: 'tags', type: 'json', nullable: true },
    ])
    expect((await preview(json.datasetId)).rows).toEqual([
      { k: 1, tags: ['a'] },
      { k: 2.5, tags: null },
    ])

    const jsonl = parsed(
      await parseFile(await uploadOne('l.jsonl', 'application/x-ndjson', '{"a":1}\n{"a":2,"b":"x"}\n')),
    )
    expect(jsonl).toMatchObject({ parsingType: 'jsonl', rows: 2 })
    expect((await preview(jsonl.datasetId)).rows).toEqual([
      { a: 1, b: null },
      { a: 2, b: 'x' },
    ])
  })

  it('makes one dataset per XLSX sheet, each with its sheet as source', async () => {
    const fileId = await uploadOne('book.xlsx', xlsxType, await twoSheets())
    const body = parsed(await parseFile(fileId))
    expect(body.datasets?.map((d) => [d.name, d.sheet, d.rows])).toEqual([
      ['book.xlsx [people]', 'people', 2],
      ['book.xlsx [totals]', 'totals', 3],
    ])
    expect(body.datasetId).toBe(body.datasets?.[0]?.datasetId)
    const totals = body.datasets![1]!
    expect(totals.columns).toEqual([
      { name: 'month', type: 'string', nullable: false },
      { name: 'amount', type: 'number', nullable: false },
    ])
    expect((await preview(totals.datasetId)).rows[2]).toEqual({ month: '2024-03', amount: 31.5 })
    const record = await call(owner, 'GET', `/api/v1/datasets/${totals.datasetId}`)
    expect(record.json()).toMatchObject({ source: { fileId, parsingType: 'xlsx', sheet: 'totals' } })
    const downstream = (await call(owner, 'GET', `/api/v1/lineage/${fileId}`)).json<{
      downstream: { id: string }[]
    }>().downstream
    expect(downstream.map((n) => n.id).sort()).toEqual(body.datasets!.map((d) => d.datasetId).sort())
  })

  it('stores text and Markdown as text datasets, answering a bounded beginning', async () => {
    const long = `${'word '.repeat(3000)}end`
    const text = parsed(await parseFile(await uploadOne('notes.txt', 'text/plain', long)))
    expect(text).toMatchObject({ kind: 'text', parsingType: 'text', textTruncated: true })
    expect(text.text).toBe(long.slice(0, 10_000))
    const stored = await call(owner, 'GET', `/api/v1/datasets/${text.datasetId}`)
    expect(stored.json()).toMatchObject({ kind: 'text', sizeBytes: Buffer.byteLength(long) })

    const markdown = parsed(
      await parseFile(await uploadOne('readme.md', 'text/markdown', '# Quarterly plan\n\nShip it.\n')),
    )
    expect(markdown).toMatchObject({
      kind: 'text',
      parsingType: 'markdown',
      title: 'Quarterly plan',
      text: '# Quarterly plan\n\nShip it.\n',
      textTruncated: false,
    })
    expect((await preview(markdown.datasetId)).text).toBe('# Quarterly plan\n\nShip it.')
  })

  it('indexes parsed text in the Librarian, where only its tenant finds it', async () => {
    const fileId = await uploadOne(
      'harvest.md',
      'text/markdown',
      '# Harvest report\n\nPumpkins outgrew zucchini.\n',
    )
    const { datasetId } = parsed(await parseFile(fileId))
    const search = (who: Account) =>
      call(who, 'GET', '/api/v1/documents?q=pumpkins&collection=files').then((r) =>
        r.json<{ items: { title: string; metadata: Record<string, unknown> }[] }>(),
      )
    const found = await search(owner)
    expect(found.items).toHaveLength(1)
    expect(found.items[0]).toMatchObject({ title: 'Harvest report', metadata: { fileId, datasetId } })
    expect((await search(stranger)).items).toEqual([])
  })

  it('extracts the text of a PDF and of a DOCX', async () => {
    const pdf = buildPdf([['Invoice 42'], ['Total due']], 'Invoice')
    const body = parsed(await parseFile(await uploadOne('invoice.pdf', 'application/pdf', pdf)))
    expect(body).toMatchObject({ kind: 'text', parsingType: 'pdf', pages: 2, title: 'Invoice' })
    expect(body.text).toContain('Invoice 42')
    expect(body.text).toContain('Total due')

    const docx = buildDocx(['Minutes of the meeting', 'Budget approved.'])
    const word = parsed(await parseFile(await uploadOne('minutes.docx', docxType, docx)))
    expect(word).toMatchObject({ kind: 'text', parsingType: 'docx', textTruncated: false })
    expect(word.text).toContain('Minutes of the meeting')
    expect(word.text).toContain('Budget approved.')
  })

  it('decodes EBCDIC records with the copybook uploaded alongside', async () => {
    const fileId = await upload([
      {
        name: 'file',
        filename: 'CUSTOMERS.DAT',
        contentType: 'application/octet-stream',
        content: Buffer.concat([
          customer('0042', 'ADA', [0x01, 0x23, 0x4c]),
          customer('0043', 'GRACE', [0x00, 0x50, 0x0d]),
        ]),
      },
      { name: 'copybook', filename: 'CUSTOMER.cpy', contentType: 'text/plain', content: copybook },
    ])
    const body = parsed(await parseFile(fileId))
    expect(body).toMatchObject({ kind: 'table', parsingType: 'copybook', rows: 2 })
    expect(body.columns).toEqual([
      { name: 'CUST-ID', type: 'integer', nullable: false },
      { name: 'CUST-NAME', type: 'string', nullable: false },
      { name: 'BALANCE', type: 'number', nullable: false },
    ])
    expect((await preview(body.datasetId)).rows).toEqual([
      { 'CUST-ID': 42, 'CUST-NAME': 'ADA', BALANCE: 12.34 },
      { 'CUST-ID': 43, 'CUST-NAME': 'GRACE', BALANCE: -5 },
    ])
  })

  it('refuses mainframe records without a copybook (400 PARSE_COPYBOOK_REQUIRED)', async () => {
    const fileId = await uploadOne(
      'LONELY.DAT',
      'application/octet-stream',
      customer('0001', 'X', [0, 0, 0x0c]),
    )
    const response = await parseFile(fileId)
    expect(response.statusCode).toBe(400)
    expect(errorCode(response)).toBe('PARSE_COPYBOOK_REQUIRED')
  })

  it('leaves no dataset behind when a file does not parse, answering 400 with the location', async () => {
    const before = await datasetIds()
    const keysBefore = await storedDatasetKeys(owner.tenantId)

    const quotes = await parseFile(await uploadOne('q.csv', csvType, 'a,b\n1,2\n3,"never closed\n4,5\n'))
    expect(quotes.statusCode).toBe(400)
    expect(quotes.json()).toMatchObject({ error: { code: 'PARSE_MALFORMED_CSV', details: { line: 3 } } })

    const badUtf8 = Buffer.concat([Buffer.from('a,b\n1,2\n'), Buffer.from([0xc3, 0x28]), Buffer.from(',x\n')])
    const encoding = await parseFile(await uploadOne('raw.dat', 'application/octet-stream', badUtf8), {
      parsingType: 'csv',
    })
    expect(encoding.statusCode).toBe(400)
    expect(encoding.json()).toMatchObject({
      error: { code: 'PARSE_INVALID_ENCODING', details: { position: 8 } },
    })

    const workbook = await twoSheets()
    const cut = await parseFile(
      await uploadOne('cut.bin', 'application/octet-stream', workbook.subarray(0, workbook.length / 2)),
      { parsingType: 'xlsx' },
    )
    expect(cut.statusCode).toBe(400)
    expect(errorCode(cut)).toBe('PARSE_CORRUPT_XLSX')

    const laterSheetBroken = new ExcelJS.Workbook()
    laterSheetBroken.addWorksheet('fine').addRows([['id'], [1], [2]])
    laterSheetBroken.addWorksheet('broken').addRows([['id'], [1, 'right of the header']])
    const halfway = await parseFile(
      await uploadOne('half.xlsx', xlsxType, Buffer.from(await laterSheetBroken.xlsx.writeBuffer())),
      { options: { header: true } },
    )
    expect(halfway.statusCode).toBe(400)
    expect(halfway.json()).toMatchObject({
      error: { code: 'PARSE_CORRUPT_XLSX', details: { sheet: 'broken', cell: 'B2' } },
    })

    const wrongCopybook = await upload([
      {
        name: 'file',
        filename: 'SHORT.DAT',
        contentType: 'application/octet-stream',
        content: Buffer.concat([customer('0001', 'A', [0, 0, 0x0c]), customer('0002', 'B', [0, 0, 0x0c])]),
      },
      {
        name: 'copybook',
        filename: 'OTHER.cpy',
        contentType: 'text/plain',
        content: '       01  OTHER.\n           05  CODE  PIC X(7).\n',
      },
    ])
    const mismatch = await parseFile(wrongCopybook, { options: { recordFormat: 'fixed' } })
    expect(mismatch.statusCode).toBe(400)
    expect(errorCode(mismatch)).toBe('COPYBOOK_RECORD_MISMATCH')

    expect(await datasetIds()).toEqual(before)
    expect(await storedDatasetKeys(owner.tenantId)).toEqual(keysBefore)
  })

  it("answers 404 for another tenant's file and leaves both tenants without new datasets", async () => {
    const fileId = await uploadOne('private.csv', csvType, 'a\n1\n')
    const before = await datasetIds(stranger)
    const response = await parseFile(fileId, {}, stranger)
    expect(response.statusCode).toBe(404)
    expect(errorCode(response)).toBe('FILE_RECORD_NOT_FOUND')
    expect(response.body).not.toContain(owner.tenantId)
    expect(await datasetIds(stranger)).toEqual(before)
  })

  it('needs file:read besides dataset:create, and validates the request', async () => {
    await putRole(node.gateway, owner, 'dataset-maker', ['dataset:create'])
    const maker = await addUser(node.gateway, owner, ['dataset-maker'], 'maker')
    const fileId = await uploadOne('guarded.csv', csvType, 'a\n1\n')
    const denied = await parseFile(fileId, {}, maker)
    expect(denied.statusCode).toBe(403)
    expect(denied.json()).toMatchObject({
      error: { code: 'PERMISSION_DENIED', details: { permission: 'file:read' } },
    })

    const unknownType = await parseFile(fileId, { parsingType: 'yaml' })
    expect(unknownType.statusCode).toBe(400)
    const unknownOption = await parseFile(fileId, { options: { delimiter: ',', smart: true } })
    expect(unknownOption.statusCode).toBe(400)
  })

  it('calls the index hook for text outcomes with the dataset and the file', async () => {
    const calls: Parameters<TextIndexer>[] = []
    const { content } = createContentPillar({
      dataSteward: node.services.dataSteward,
      logger: node.logger,
      indexText: (ctx, document) => {
        calls.push([ctx, document])
        return Promise.resolve()
      },
    })
    const ctx = { tenantId: owner.tenantId, userId: owner.userId }
    const textFile = await uploadOne('memo.md', 'text/markdown', '# Memo\n\nBudget approved.\n')
    const result = await content.parse(ctx, { fileId: textFile })
    expect(calls).toEqual([
      [
        ctx,
        {
          title: 'Memo',
          body: '# Memo\n\nBudget approved.\n',
          collection: 'files',
          metadata: { fileId: textFile, datasetId: result.datasetId },
        },
      ],
    ])
    await content.parse(ctx, { fileId: await uploadOne('table.csv', csvType, 'a\n1\n') })
    expect(calls).toHaveLength(1)
  })

  it('parses a CSV in parts on worker threads into the same stored rows as on one thread', async () => {
    const threaded = createContentPillar({
      dataSteward: node.services.dataSteward,
      logger: node.logger,
      settings: { csvParts: { threads: 2, minBytes: 0, partBytes: 700 } },
    })
    const single = createContentPillar({ dataSteward: node.services.dataSteward, logger: node.logger })
    const ctx = { tenantId: owner.tenantId, userId: owner.userId }
    const stored = async (datasetId: string) => {
      const key = `tenants/${owner.tenantId}/datasets/${datasetId}/rows.jsonl`
      const chunks: Buffer[] = []
      for await (const chunk of await node.infra.files.get(key)) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    }
    try {
      const rows = Array.from({ length: 3000 }, (_, i) =>
        i % 9 === 0
          ? `${i === 2502 ? 'n/a' : i},"note\nwith ""quotes"", ${i}",${i}.5,2024-01-02`
          : `${i},plain,${i}.25,`,
      )
      const fileId = await uploadOne('parts.csv', csvType, ['id,note,amount,day', ...rows].join('\n') + '\n')
      const inParts = await threaded.content.parse(ctx, { fileId })
      const oneThread = await single.content.parse(ctx, { fileId })
      expect(inParts).toMatchObject({
        rows: 3000,
        columns: oneThread.kind === 'table' ? oneThread.columns : [],
      })
      expect(inParts.kind === 'table' && inParts.columns[0]).toEqual({
        name: 'id',
        type: 'json',
        nullable: false,
      })
      expect(await stored(inParts.datasetId)).toBe(await stored(oneThread.datasetId))

      const before = await datasetIds()
      const wide = await uploadOne(
        'wide.csv',
        csvType,
        ['id,note,amount,day', ...rows.slice(0, 2000), '1,2,3,4,5'].join('\n'),
      )
      await expect(threaded.content.parse(ctx, { fileId: wide })).rejects.toMatchObject({
        code: 'PARSE_MALFORMED_CSV',
        details: { line: 1 + 2000 + Math.ceil(2000 / 9) + 1 },
      })
      expect(await datasetIds()).toEqual(before)
    } finally {
      await threaded.close()
    }
  })

  it('keeps the text dataset when indexing fails', async () => {
    const { content } = createContentPillar({
      dataSteward: node.services.dataSteward,
      logger: node.logger,
      indexText: () => Promise.reject(new Error('search is down')),
    })
    const ctx = { tenantId: owner.tenantId, userId: owner.userId }
    const result = await content.parse(ctx, {
      fileId: await uploadOne('down.txt', 'text/plain', 'still here\n'),
    })
    expect(result).toMatchObject({ kind: 'text', text: 'still here\n' })
    expect((await preview(result.datasetId)).text).toBe('still here')
  })
})
