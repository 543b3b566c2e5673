import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import type { ColumnInfo } from '../../src/smart-city/data-steward/index.js'
import { createDistinctCounter, hash53 } from '../../src/smart-city/data-steward/quality/distinct.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { stewardClient } from './support.js'

const columns: ColumnInfo[] = [
  { name: 'id', type: 'integer', nullable: false },
  { name: 'email', type: 'string', nullable: true },
  { name: 'born', type: 'date', nullable: true },
  { name: 'score', type: 'number', nullable: true },
]
const rows = [
  { id: 1, email: 'a@x.io', born: '1990-01-31', score: 5 },
  { id: 2, email: null, born: '1990-02-30', score: -1 },
  { id: '3', email: 'c@x.io', born: null, score: null },
  { id: 1, email: 'a@x.io', born: '1990-01-31', score: 5 },
]
const personSchema = {
  type: 'object',
  required: ['id', 'email'],
  properties: {
    id: { type: 'integer' },
    email: { type: 'string', format: 'email' },
    born: { type: ['string', 'null'], format: 'date' },
    score: { type: ['number', 'null'], minimum: 0 },
  },
}

/*
 * Worked by hand. Checks per record: one per required field (id, email), one type check per non-null value, one
 * date-format check per non-null `born` (a date column), one schema check.
 * - row 0: 2 + 4 + 1 + 1 = 8 checks, no issue: score 1.
 * - row 1: 2 + 3 + 1 + 1 = 7 checks; issues: email missing, born not a date (type), born not YYYY-MM-DD (format),
 *   schema (email null, born format, score < 0): 4, score 3/7.
 * - row 2: 2 + 2 + 0 + 1 = 5 checks; issues: id '3' not an integer, schema (id type): 2, score 3/5.
 * - row 3: as row 0, score 1.
 * Overall = (1 + 3/7 + 3/5 + 1) / 4 = 53/70.
 */
describeOnProfiles('Data Steward quality reports', (profile) => {
  let node: Platform
  let owner: Account
  let datasetId: string
  const steward = stewardClient(() => node)

  beforeAll(async () => {
    node = await profile.startNode()
    owner = await signUp(node.gateway)
    datasetId = (await steward.table(owner, rows, { name: 'people', columns })).id
    await steward.call(owner, 'POST', '/api/v1/schemas', { name: 'person', jsonSchema: personSchema })
  })

  it('scores records as (checks - issues) / checks and the dataset as their mean, against a named schema', async () => {
    const response = await steward.call(owner, 'POST', `/api/v1/datasets/${datasetId}/quality`, {
      schema: 'person',
    })
    expect(response.statusCode).toBe(200)
    const report = response.json<Record<string, unknown>>()
    expect(report.schema).toEqual({ source: 'registry', name: 'person', version: 1 })
    expect(report).toMatchObject({ datasetId, rowCount: 4, columnCount: 4 })
    expect(report.score).toEqual({
      overall: expect.closeTo(53 / 70, 12) as number,
      checks: 28,
      issues: 6,
      byCheck: { missing_required: 1, invalid_type: 2, invalid_date_format: 1, schema: 2 },
    })
    expect(report.completeness).toEqual({
      overall: 13 / 16,
      columns: [
        { name: 'id', nonNull: 4, ratio: 1 },
        { name: 'email', nonNull: 3, ratio: 0.75 },
        { name: 'born', nonNull: 3, ratio: 0.75 },
        { name: 'score', nonNull: 3, ratio: 0.75 },
      ],
    })
    expect(report.validity).toEqual({ validRecords: 2, invalidRecords: 2, ratio: 0.5 })
    expect(report.uniqueness).toEqual({
      columns: [
        { name: 'id', distinct: 3, ratio: 0.75, approximate: false },
        { name: 'email', distinct: 2, ratio: 2 / 3, approximate: false },
        { name: 'born', distinct: 2, ratio: 2 / 3, approximate: false },
        { name: 'score', distinct: 2, ratio: 2 / 3, approximate: false },
      ],
      distinctRows: 3,
      duplicateRows: 1,
      approximate: false,
    })
    expect(report.typeConformity).toEqual({
      overall: 11 / 13,
      columns: [
        { name: 'id', type: 'integer', checked: 4, conforming: 3, ratio: 0.75 },
        { name: 'email', type: 'string', checked: 3, conforming: 3, ratio: 1 },
        { name: 'born', type: 'date', checked: 3, conforming: 2, ratio: 2 / 3 },
        { name: 'score', type: 'number', checked: 3, conforming: 3, ratio: 1 },
      ],
    })
    const worst = report.worstRecords as { index: number; score: number; checks: number; issues: unknown[] }[]
    expect(worst.map((w) => [w.index, w.checks, w.issues.length])).toEqual([
      [1, 7, 4],
      [2, 5, 2],
    ])
    expect(worst[0]!.score).toBeCloseTo(3 / 7, 12)
    expect(worst[1]!.score).toBeCloseTo(3 / 5, 12)
    expect(worst[0]!.issues).toEqual([
      { check: 'missing_required', column: 'email', message: 'email is required' },
      { check: 'invalid_type', column: 'born', message: 'born is not of type date' },
      { check: 'invalid_date_format', column: 'born', message: 'born is not a YYYY-MM-DD date' },
      expect.objectContaining({ check: 'schema', column: null }),
    ])
  })

  it('uses the inferred schema when none is named, and says so', async () => {
    // Inferred: id integer|string required; email, born, score nullable. Every record is valid against it.
    // Checks: row 0 1+4+1+1 = 7 (score 1); row 1 1+3+1+1 = 6, born type and format issues (4/6);
    // row 2 1+2+0+1 = 4, id type issue (3/4); row 3 score 1. Overall = (1 + 2/3 + 3/4 + 1) / 4 = 41/48.
    const response = await steward.call(owner, 'POST', `/api/v1/datasets/${datasetId}/quality`)
    expect(response.statusCode).toBe(200)
    const report = response.json<{
      schema: { source: string; jsonSchema: { required: string[] } }
      score: { overall: number; checks: number; issues: number }
      validity: unknown
    }>()
    expect(report.schema.source).toBe('inferred')
    expect(report.schema.jsonSchema.required).toEqual(['id'])
    expect(report.validity).toEqual({ validRecords: 4, invalidRecords: 0, ratio: 1 })
    expect(report.score.overall).toBeCloseTo(41 / 48, 12)
    expect(report.score).toMatchObject({ checks: 24, issues: 3 })
  })

  it('answers 404 for an unknown schema and 400 for unknown fields', async () => {
    const unknown = await steward.call(owner, 'POST', `/api/v1/datasets/${datasetId}/quality`, {
      schema: 'nobody',
    })
    expect(unknown.statusCode).toBe(404)
    expect(errorCode(unknown)).toBe('SCHEMA_NOT_FOUND')
    const extra = await steward.call(owner, 'POST', `/api/v1/datasets/${datasetId}/quality`, { sheme: 'x' })
    expect(extra.statusCode).toBe(400)
  })

  it('an empty table has nothing to measure', async () => {
    const empty = await steward.table(owner, [], { name: 'empty', columns })
    const report = (await steward.call(owner, 'POST', `/api/v1/datasets/${empty.id}/quality`)).json<{
      score: { overall: unknown }
      completeness: { overall: unknown }
      worstRecords: unknown[]
    }>()
    expect(report.score.overall).toBeNull()
    expect(report.completeness.overall).toBeNull()
    expect(report.worstRecords).toEqual([])
  })
})

it('distinct counting is exact up to its limit, then an estimate within a few percent', () => {
  const exact = createDistinctCounter(1000)
  for (let i = 0; i < 1000; i++) exact.add(hash53(`v${i % 600}`))
  expect([exact.count(), exact.approximate]).toEqual([600, false])

  const estimated = createDistinctCounter(1000)
  for (let i = 0; i < 50_000; i++) estimated.add(hash53(`value-${i % 20_000}`))
  expect(estimated.approximate).toBe(true)
  expect(Math.abs(estimated.count() - 20_000) / 20_000).toBeLessThan(0.05)
})
