import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { stewardClient } from './support.js'

interface DatasetBody {
  id: string
  name: string
  kind: string
  columns: { name: string; type: string; nullable: boolean }[]
  rowCount: number
  sizeBytes: number
  source?: unknown
}

interface PreviewBody {
  columns: { name: string }[]
  rows: Record<string, unknown>[]
  text?: string
  totalRows: number
  totalColumns: number
  truncated: boolean
}

const wideRow = (i: number) =>
  Object.fromEntries(Array.from({ length: 60 }, (_, c) => [`c${String(c).padStart(2, '0')}`, i * 100 + c]))

describeOnProfiles('Data Steward datasets', (profile) => {
  let node: Platform
  let owner: Account
  let stranger: Account
  const steward = stewardClient(() => node)
  const ctx = () => ({ tenantId: owner.tenantId, userId: owner.userId })

  beforeAll(async () => {
    node = await profile.startNode()
    owner = await signUp(node.gateway)
    stranger = await signUp(node.gateway)
  })

  it('streams rows through the writer into JSON lines under the tenant, and reads them back in order', async () => {
    const datasets = node.services.dataSteward.datasets
    const writer = await datasets.openTable(ctx(), { name: 'orders.csv', derivedFrom: [] })
    const rows = Array.from({ length: 5000 }, (_, i) => ({
      id: i,
      customer: `customer number ${i} with a longer name`,
      amount: i % 7 === 0 ? null : i / 4,
      day: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    }))
    for (const row of rows) await writer.write(row)
    const record = await writer.finish()

    expect(record).toMatchObject({ id: writer.id, kind: 'table', rowCount: 5000, tenantId: owner.tenantId })
    expect(record.columns).toEqual([
      { name: 'id', type: 'integer', nullable: false },
      { name: 'customer', type: 'string', nullable: false },
      { name: 'amount', type: 'number', nullable: true },
      { name: 'day', type: 'date', nullable: false },
    ])
    const key = `tenants/${owner.tenantId}/datasets/${record.id}/rows.jsonl`
    const stored = await node.infra.files.stat(key)
    expect(stored?.size).toBe(record.sizeBytes)
    expect(record.sizeBytes).toBe(rows.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)) + 1, 0))

    const back: unknown[] = []
    for await (const row of await datasets.readRows(owner.tenantId, record.id)) back.push(row)
    expect(back).toEqual(rows)
  })

  it('takes declared columns, and refuses rows that are not objects', async () => {
    const declared = [
      { name: 'a', type: 'string' as const, nullable: true },
      { name: 'b', type: 'integer' as const, nullable: false },
    ]
    const record = await steward.table(owner, [{ a: '1', b: 2 }], { columns: declared })
    expect(record.columns).toEqual(declared)

    const writer = await node.services.dataSteward.datasets.openTable(ctx(), { name: 'bad', derivedFrom: [] })
    await expect(writer.write([1, 2] as unknown as Record<string, unknown>)).rejects.toMatchObject({
      code: 'DATASET_ROW_INVALID',
    })
    await expect(writer.write({ big: 10n })).rejects.toMatchObject({ code: 'DATASET_ROW_INVALID' })
    await writer.abort()
    await expect(writer.write({ a: 1 })).rejects.toMatchObject({ code: 'DATASET_WRITER_CLOSED' })
  })

  it('answers no promise for a row that need not be waited for', async () => {
    const writer = await node.services.dataSteward.datasets.openTable(ctx(), {
      name: 'quick',
      derivedFrom: [],
    })
    expect(writer.write({ a: 1 })).toBeUndefined()
    await writer.abort()
  })

  it('with columnsDeclared stores the columns given to finish and needs them', async () => {
    const datasets = node.services.dataSteward.datasets
    const declared = [{ name: 'v', type: 'json' as const, nullable: false }]
    const writer = await datasets.openTable(ctx(), {
      name: 'declared',
      derivedFrom: [],
      columnsDeclared: true,
    })
    await writer.write({ v: 1 })
    await writer.write({ v: 'one' })
    expect((await writer.finish(declared)).columns).toEqual(declared)

    const undeclared = await datasets.openTable(ctx(), {
      name: 'undeclared',
      derivedFrom: [],
      columnsDeclared: true,
    })
    await undeclared.write({ v: 1 })
    await expect(undeclared.finish()).rejects.toThrow('columns')
    expect((await steward.call(owner, 'GET', `/api/v1/datasets/${undeclared.id}`)).statusCode).toBe(404)
  })

  it('keys JSON values by the column names it was opened with, as an object of those names would be', async () => {
    const datasets = node.services.dataSteward.datasets
    const columns = [
      { name: 'a', type: 'json' as const, nullable: true },
      { name: '__proto__', type: 'string' as const, nullable: false },
    ]
    const writer = await datasets.openTable(ctx(), {
      name: 'json values',
      derivedFrom: [],
      columnNames: ['a', '__proto__', 'a'],
    })
    expect(writer.writeJsonValues(['1', '"x"', '2'])).toBeUndefined()
    await writer.writeJsonValues(['1', '"y\\n"'])
    await writer.writeJsonValues(['{"n":[true,null]}', '"z"', '"last"'])
    const record = await writer.finish(columns)
    expect(record).toMatchObject({ rowCount: 3, columns })
    const back: Record<string, unknown>[] = []
    for await (const row of await datasets.readRows(owner.tenantId, record.id)) back.push(row)
    expect(back.map((row) => Object.entries(row))).toEqual([
      [
        ['a', 2],
        ['__proto__', 'x'],
      ],
      [
        ['a', null],
        ['__proto__', 'y\n'],
      ],
      [
        ['a', 'last'],
        ['__proto__', 'z'],
      ],
    ])

    const unnamed = await datasets.openTable(ctx(), { name: 'no names', derivedFrom: [] })
    await expect(unnamed.writeJsonValues(['1'])).rejects.toThrow('columnNames')
    await unnamed.abort()
  })

  it('an aborted writer leaves no blob and no record; a finished one cannot be finished twice', async () => {
    const datasets = node.services.dataSteward.datasets
    const aborted = await datasets.openTable(ctx(), { name: 'aborted', derivedFrom: [] })
    for (let i = 0; i < 3000; i++) await aborted.write(wideRow(i))
    await aborted.abort()
    expect(
      await node.infra.files.stat(`tenants/${owner.tenantId}/datasets/${aborted.id}/rows.jsonl`),
    ).toBeNull()
    expect((await steward.call(owner, 'GET', `/api/v1/datasets/${aborted.id}`)).statusCode).toBe(404)

    const finished = await datasets.openTable(ctx(), { name: 'once', derivedFrom: [] })
    await finished.write({ a: 1 })
    await finished.finish()
    await expect(finished.finish()).rejects.toMatchObject({ code: 'DATASET_WRITER_CLOSED' })

    const failing = (async function* () {
      yield { a: 1 }
      throw new Error('parser broke')
    })()
    await expect(datasets.createTable(ctx(), { name: 'broken', derivedFrom: [] }, failing)).rejects.toThrow(
      'parser broke',
    )
    const names = (await steward.call(owner, 'GET', '/api/v1/datasets?limit=200'))
      .json<{ items: DatasetBody[] }>()
      .items.map((d) => d.name)
    expect(names).not.toContain('broken')
    expect(names).not.toContain('aborted')
  })

  it('stores text documents with their line count, refused where rows are expected', async () => {
    const datasets = node.services.dataSteward.datasets
    const text = await datasets.createText(
      ctx(),
      { name: 'notes.md', derivedFrom: [] },
      (async function* () {
        yield '# Title\n'
        yield Buffer.from('first line\nsecond line')
      })(),
    )
    expect(text).toMatchObject({ kind: 'text', rowCount: 3, sizeBytes: 30, columns: [] })
    const preview = await steward.call(owner, 'GET', `/api/v1/datasets/${text.id}/preview?maxRows=2`)
    expect(preview.json<PreviewBody>()).toMatchObject({
      text: '# Title\nfirst line',
      rows: [],
      truncated: true,
    })
    await expect(datasets.readRows(owner.tenantId, text.id)).rejects.toMatchObject({
      code: 'DATASET_NOT_TABLE',
    })
    const quality = await steward.call(owner, 'POST', `/api/v1/datasets/${text.id}/quality`)
    expect(quality.statusCode).toBe(400)
    expect(errorCode(quality)).toBe('DATASET_NOT_TABLE')
  })

  it('previews with bounded defaults and maxima, and answers 400 to bad bounds', async () => {
    const record = await steward.table(
      owner,
      Array.from({ length: 30 }, (_, i) => wideRow(i)),
      { name: 'wide' },
    )
    const preview = (url: string) => steward.call(owner, 'GET', `/api/v1/datasets/${record.id}/preview${url}`)

    const byDefault = (await preview('')).json<PreviewBody>()
    expect(byDefault.rows).toHaveLength(20)
    expect(byDefault.columns).toHaveLength(50)
    expect(Object.keys(byDefault.rows[0]!)).toHaveLength(50)
    expect(byDefault).toMatchObject({ totalRows: 30, totalColumns: 60, truncated: true })

    const small = (await preview('?maxRows=2&maxColumns=3')).json<PreviewBody>()
    expect(small.rows).toEqual([
      { c00: 0, c01: 1, c02: 2 },
      { c00: 100, c01: 101, c02: 102 },
    ])
    const all = (await preview('?maxRows=1000&maxColumns=500')).json<PreviewBody>()
    expect(all).toMatchObject({ truncated: false })
    expect(all.rows).toHaveLength(30)

    for (const bad of [
      '?maxRows=0',
      '?maxRows=1001',
      '?maxColumns=501',
      '?maxRows=abc',
      '?maxRows=1.5',
      '?rows=2',
    ]) {
      const response = await preview(bad)
      expect(response.statusCode, bad).toBe(400)
      expect(errorCode(response), bad).toBe('VALIDATION_FAILED')
    }
  })

  it('lists newest first, gets, deletes (blob too) and answers 404 to other tenants', async () => {
    const first = await steward.table(owner, [{ x: 1 }], { name: 'first' })
    const sourceFile = await steward.uploadCsv(owner)
    const second = await steward.table(owner, [{ x: 2 }], {
      name: 'second',
      source: { fileId: sourceFile, parsingType: 'csv' },
    })
    const listed = (await steward.call(owner, 'GET', '/api/v1/datasets?limit=2')).json<{
      items: DatasetBody[]
      nextCursor: string | null
    }>()
    expect(listed.items.map((d) => d.id)).toEqual([second.id, first.id])
    expect(listed.nextCursor).not.toBeNull()
    expect((await steward.call(stranger, 'GET', '/api/v1/datasets')).json()).toEqual({
      items: [],
      nextCursor: null,
    })

    const got = await steward.call(owner, 'GET', `/api/v1/datasets/${second.id}`)
    expect(got.json<DatasetBody>()).toMatchObject({
      id: second.id,
      name: 'second',
      rowCount: 1,
      source: { fileId: sourceFile, parsingType: 'csv' },
    })
    expect(got.body).not.toContain(owner.tenantId)

    for (const [method, url] of [
      ['GET', `/api/v1/datasets/${second.id}`],
      ['GET', `/api/v1/datasets/${second.id}/preview`],
      ['GET', `/api/v1/datasets/${second.id}/inferred-schema`],
      ['POST', `/api/v1/datasets/${second.id}/quality`],
      ['DELETE', `/api/v1/datasets/${second.id}`],
    ] as const) {
      const response = await steward.call(stranger, method, url)
      expect(response.statusCode, `${method} ${url}`).toBe(404)
      expect(errorCode(response)).toBe('DATASET_NOT_FOUND')
    }

    expect((await steward.call(owner, 'DELETE', `/api/v1/datasets/${first.id}`)).statusCode).toBe(204)
    expect((await steward.call(owner, 'GET', `/api/v1/datasets/${first.id}`)).statusCode).toBe(404)
    expect((await steward.call(owner, 'DELETE', `/api/v1/datasets/${first.id}`)).statusCode).toBe(404)
    expect(
      await node.infra.files.stat(`tenants/${owner.tenantId}/datasets/${first.id}/rows.jsonl`),
    ).toBeNull()
  })
})
