import { beforeAll, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { stewardClient } from './support.js'

const person = {
  type: 'object',
  required: ['id', 'email'],
  properties: {
    id: { type: 'integer' },
    email: { type: 'string', format: 'email' },
    tags: { type: 'array', items: { $ref: '#/$defs/tag' } },
  },
  $defs: { tag: { type: 'string', maxLength: 5 } },
}

describeOnProfiles('Data Steward schemas, validation and inference', (profile) => {
  let node: Platform
  let owner: Account
  let stranger: Account
  const steward = stewardClient(() => node)

  beforeAll(async () => {
    node = await profile.startNode()
    owner = await signUp(node.gateway)
    stranger = await signUp(node.gateway)
  })

  it('registers versions per name and serves the latest by default', async () => {
    const first = await steward.call(owner, 'POST', '/api/v1/schemas', { name: 'person', jsonSchema: person })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ name: 'person', version: 1, jsonSchema: person })
    const loose = { type: 'object' }
    expect(
      (await steward.call(owner, 'POST', '/api/v1/schemas', { name: 'person', jsonSchema: loose })).json(),
    ).toMatchObject({ version: 2 })
    await steward.call(owner, 'POST', '/api/v1/schemas', { name: 'order', jsonSchema: loose })

    expect((await steward.call(owner, 'GET', '/api/v1/schemas/person')).json()).toMatchObject({
      version: 2,
      jsonSchema: loose,
    })
    expect((await steward.call(owner, 'GET', '/api/v1/schemas/person?version=1')).json()).toMatchObject({
      version: 1,
      jsonSchema: person,
    })
    const missing = await steward.call(owner, 'GET', '/api/v1/schemas/person?version=3')
    expect(missing.statusCode).toBe(404)
    expect(errorCode(missing)).toBe('SCHEMA_NOT_FOUND')
    const list = await steward.call(owner, 'GET', '/api/v1/schemas')
    expect(list.json<{ items: { name: string; latestVersion: number }[] }>().items).toMatchObject([
      { name: 'person', latestVersion: 2 },
      { name: 'order', latestVersion: 1 },
    ])
    const bad = await steward.call(owner, 'POST', '/api/v1/schemas', { name: '../x', jsonSchema: loose })
    expect(bad.statusCode).toBe(400)
  })

  it('validates records with errors by record index and JSON pointer', async () => {
    const response = await steward.call(owner, 'POST', '/api/v1/schemas/person/validate', {
      version: 1,
      records: [{ id: 1, email: 'a@example.com' }, { id: 'x', tags: ['ok', 'too long'] }, 5],
    })
    expect(response.statusCode).toBe(200)
    const body = response.json<{ valid: boolean; errors: unknown[] }>()
    expect(body).toMatchObject({ valid: false, invalidRecords: 2, errorsTruncated: false })
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { index: 1, path: '/email', message: "must have required property 'email'", keyword: 'required' },
        { index: 1, path: '/id', message: 'must be integer', keyword: 'type' },
        { index: 1, path: '/tags/1', message: 'must NOT have more than 5 characters', keyword: 'maxLength' },
        { index: 2, path: '', message: 'must be object', keyword: 'type' },
      ]),
    )
    expect(body.errors).toHaveLength(4)
    const valid = await steward.call(owner, 'POST', '/api/v1/schemas/person/validate', {
      version: 1,
      records: [{ id: 1, email: 'a@example.com', tags: ['a'] }],
    })
    expect(valid.json()).toMatchObject({ valid: true, errors: [], schema: { name: 'person', version: 1 } })
  })

  it('refuses schemas Ajv cannot compile, with its message, and remote references', async () => {
    const register = (jsonSchema: unknown) =>
      steward.call(owner, 'POST', '/api/v1/schemas', { name: 'broken', jsonSchema })
    const typo = await register({ type: 'strng' })
    expect(typo.statusCode).toBe(400)
    expect(errorCode(typo)).toBe('SCHEMA_INVALID')
    expect(typo.json<{ error: { message: string } }>().error.message).toContain(
      'schema is invalid: data/type must be equal to one of the allowed values',
    )
    const dangling = await register({ $ref: '#/$defs/missing' })
    expect(errorCode(dangling)).toBe('SCHEMA_INVALID')
    expect(dangling.json<{ error: { message: string } }>().error.message).toContain("can't resolve reference")
    for (const remote of [
      { $ref: 'https://schemas.example/person.json' },
      { properties: { a: { $ref: 'other.json#/a' } } },
      { $dynamicRef: 'http://169.254.169.254/latest' },
    ]) {
      const response = await register(remote)
      expect(response.statusCode).toBe(400)
      expect(errorCode(response)).toBe('SCHEMA_REMOTE_REF')
    }
    expect((await steward.call(owner, 'GET', '/api/v1/schemas/broken')).statusCode).toBe(404)
  })

  it('bounds the records of one validation', async () => {
    const records = Array.from({ length: 1001 }, () => ({}))
    const response = await steward.call(owner, 'POST', '/api/v1/schemas/person/validate', { records })
    expect(response.statusCode).toBe(400)
    await expect(
      node.services.dataSteward.schemas.validate(owner.tenantId, 'person', records),
    ).rejects.toMatchObject({ code: 'TOO_MANY_RECORDS' })
  })

  it("keeps each tenant's schema names apart", async () => {
    for (const [method, url, payload] of [
      ['GET', '/api/v1/schemas/person', undefined],
      ['POST', '/api/v1/schemas/person/validate', { records: [{}] }],
    ] as const) {
      const response = await steward.call(stranger, method, url, payload)
      expect(response.statusCode).toBe(404)
      expect(errorCode(response)).toBe('SCHEMA_NOT_FOUND')
    }
    const own = await steward.call(stranger, 'POST', '/api/v1/schemas', {
      name: 'person',
      jsonSchema: { type: 'string' },
    })
    expect(own.json()).toMatchObject({ version: 1 })
    expect((await steward.call(owner, 'GET', '/api/v1/schemas/person')).json()).toMatchObject({ version: 2 })
  })

  it('infers types, required columns, formats and small enums from a dataset', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => ({
      id: i,
      status: i % 3 === 0 ? 'closed' : 'open',
      when: `2024-03-0${i + 1}`,
      at: `2024-03-01T10:00:0${i}Z`,
      mail: `u${i}@example.com`,
      note: i === 4 ? null : `note ${i}`,
      ratio: i / 2,
      flag: i % 2 === 0,
      ...(i < 5 && { maybe: 'x' }),
    }))
    const record = await steward.table(owner, rows, { name: 'inferable' })
    const response = await steward.call(owner, 'GET', `/api/v1/datasets/${record.id}/inferred-schema`)
    expect(response.statusCode).toBe(200)
    const { jsonSchema } = response.json<{ jsonSchema: Record<string, unknown> }>()
    expect(jsonSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        id: { type: 'integer' },
        status: { type: 'string', enum: ['closed', 'open'] },
        when: { type: 'string', format: 'date' },
        at: { type: 'string', format: 'date-time' },
        mail: { type: 'string', format: 'email' },
        note: { type: ['null', 'string'] },
        ratio: { type: 'number' },
        flag: { type: 'boolean' },
        maybe: { type: ['null', 'string'], enum: ['x', null] },
      },
      required: ['id', 'status', 'when', 'at', 'mail', 'ratio', 'flag'],
    })

    const registered = await steward.call(owner, 'POST', '/api/v1/schemas', { name: 'inferred', jsonSchema })
    expect(registered.statusCode).toBe(201)
    const check = await steward.call(owner, 'POST', '/api/v1/schemas/inferred/validate', { records: rows })
    expect(check.json()).toMatchObject({ valid: true })
  })
})
