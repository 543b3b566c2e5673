import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { stewardClient } from './support.js'

interface LineageBody {
  id: string
  kind: string | null
  upstream: { id: string; kind: string | null; relation: string; via: string; depth: number }[]
  downstream: { id: string; kind: string | null; relation: string; via: string; depth: number }[]
  truncated: boolean
}

describeOnProfiles('Data Steward lineage', (profile) => {
  let node: Platform
  let owner: Account
  let stranger: Account
  const steward = stewardClient(() => node)
  const reportId = 'rpt_0000000000000000000000lineage'
  let fileId: string
  let parsed: string
  let cleaned: string
  let mapped: string

  beforeAll(async () => {
    node = await profile.startNode()
    owner = await signUp(node.gateway)
    stranger = await signUp(node.gateway)
    fileId = await steward.uploadCsv(owner)
    parsed = (
      await steward.table(owner, [{ a: 1 }], { name: 'parsed', source: { fileId, parsingType: 'csv' } })
    ).id
    cleaned = (await steward.table(owner, [{ a: 1 }], { name: 'cleaned', derivedFrom: [parsed] })).id
    mapped = (
      await steward.table(owner, [{ b: 1 }], {
        name: 'mapped',
        derivedFrom: [{ id: cleaned, relation: 'transformed_from' }],
      })
    ).id
    await node.services.dataSteward.lineage.record(owner.tenantId, reportId, [
      { id: mapped, relation: 'reported_from' },
      { id: cleaned, relation: 'reported_from' },
    ])
  })

  const lineage = (id: string, query = '', who = owner) =>
    steward.call(who, 'GET', `/api/v1/lineage/${id}${query}`)

  it('walks upstream and downstream transitively, with kinds and relations', async () => {
    const response = await lineage(cleaned)
    expect(response.statusCode).toBe(200)
    expect(response.json<LineageBody>()).toEqual({
      id: cleaned,
      kind: 'dataset',
      upstream: [
        { id: parsed, kind: 'dataset', relation: 'derived_from', via: cleaned, depth: 1 },
        { id: fileId, kind: 'file', relation: 'parsed_from', via: parsed, depth: 2 },
      ],
      downstream: expect.arrayContaining([
        { id: mapped, kind: 'dataset', relation: 'transformed_from', via: cleaned, depth: 1 },
        { id: reportId, kind: 'report', relation: 'reported_from', via: cleaned, depth: 1 },
      ]) as unknown,
      truncated: false,
    })
    expect(response.json<LineageBody>().downstream).toHaveLength(2)

    const fromFile = (await lineage(fileId)).json<LineageBody>()
    expect(fromFile.upstream).toEqual([])
    expect(fromFile.downstream.map((n) => [n.id, n.depth])).toEqual([
      [parsed, 1],
      [cleaned, 2],
      [mapped, 3],
      [reportId, 3],
    ])
    const fromReport = (await lineage(reportId)).json<LineageBody>()
    expect(fromReport.kind).toBe('report')
    expect(fromReport.upstream.map((n) => n.id).sort()).toEqual([cleaned, fileId, mapped, parsed].sort())
  })

  it('stops at the depth bound and says so; bad depths are 400', async () => {
    const shallow = (await lineage(fileId, '?depth=1')).json<LineageBody>()
    expect(shallow.downstream.map((n) => n.id)).toEqual([parsed])
    expect(shallow.truncated).toBe(true)
    for (const bad of ['?depth=0', '?depth=21', '?depth=x'])
      expect((await lineage(fileId, bad)).statusCode, bad).toBe(400)
  })

  it("knows a dataset without edges, and answers 404 to unknown ids and other tenants' ids", async () => {
    const alone = await steward.table(owner, [{ a: 1 }], { name: 'alone' })
    expect((await lineage(alone.id)).json()).toMatchObject({ upstream: [], downstream: [], truncated: false })
    for (const id of ['ds_00000000000000000000000000', 'nothing-here'])
      expect(errorCode(await lineage(id))).toBe('ARTIFACT_NOT_FOUND')
    for (const id of [cleaned, fileId, reportId, alone.id]) {
      const response = await lineage(id, '', stranger)
      expect(response.statusCode).toBe(404)
      expect(response.body).not.toContain(owner.tenantId)
    }
  })

  it("refuses to derive from another tenant's dataset or a malformed edge, creating nothing", async () => {
    const datasets = node.services.dataSteward.datasets
    const as = { tenantId: stranger.tenantId, userId: stranger.userId }
    await expect(
      datasets.createTable(as, { name: 'stolen', derivedFrom: [parsed] }, [{ a: 1 }]),
    ).rejects.toMatchObject({ code: 'LINEAGE_SOURCE_NOT_FOUND' })
    expect((await steward.call(stranger, 'GET', '/api/v1/datasets')).json()).toMatchObject({ items: [] })
    expect((await lineage(parsed, '', stranger)).statusCode).toBe(404)
    expect((await lineage(parsed)).json<LineageBody>().downstream.some((n) => n.via === parsed)).toBe(true)

    const { lineage: edges } = node.services.dataSteward
    await expect(
      edges.record(owner.tenantId, reportId, [{ id: mapped, relation: 'Bad Relation' }]),
    ).rejects.toMatchObject({ code: 'LINEAGE_INPUT_INVALID' })
    await expect(
      edges.record(owner.tenantId, mapped, [{ id: mapped, relation: 'copy_of' }]),
    ).rejects.toMatchObject({
      code: 'LINEAGE_INPUT_INVALID',
    })
  })

  it('keeps edges of a deleted dataset as history', async () => {
    expect((await steward.call(owner, 'DELETE', `/api/v1/datasets/${mapped}`)).statusCode).toBe(204)
    const after = (await lineage(reportId)).json<LineageBody>()
    expect(after.upstream.map((n) => n.id)).toContain(mapped)
  })
})
