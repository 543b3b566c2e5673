import { beforeAll, describe, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { librarianClient } from './support.js'

describeOnProfiles('Librarian documents', (profile) => {
  let node: Platform
  let admin: Account
  let other: Account
  let viewer: Account
  const client = librarianClient(() => node)
  const q = (text: string) => `q=${encodeURIComponent(text)}`

  beforeAll(async () => {
    node = await profile.startNode()
    admin = await signUp(node.gateway)
    other = await signUp(node.gateway, { tenantName: 'Other Corp' })
    viewer = await addUser(node.gateway, admin, ['viewer'], 'viewer')
  })

  describe('create, read, update, delete', () => {
    it('stores a document and reads it back with its version as ETag', async () => {
      const response = await client.call(admin, 'POST', '/api/v1/documents', {
        collection: 'notes',
        title: 'Quarterly <plan>',
        body: 'We plan the launch.',
        metadata: { owner: 'ada', priority: 2, draft: true },
        tags: ['plan', 'q3'],
      })
      expect(response.statusCode).toBe(201)
      const created = response.json<{ id: string; version: number; metadata: unknown; tags: string[] }>()
      expect(created.id).toMatch(/^doc_/)
      expect(created.version).toBe(1)
      expect(response.headers.etag).toBe('"1"')
      const read = await client.call(admin, 'GET', `/api/v1/documents/${created.id}`)
      expect(read.statusCode).toBe(200)
      expect(read.json()).toMatchObject({
        collection: 'notes',
        title: 'Quarterly <plan>',
        body: 'We plan the launch.',
        metadata: { owner: 'ada', priority: 2, draft: true },
        tags: ['plan', 'q3'],
        version: 1,
        createdBy: admin.userId,
      })
    })

    it('keeps every version; If-Match guards an update; a stale version is a 409', async () => {
      const id = await client.create(admin, { collection: 'notes', title: 'Draft', body: 'first text' })
      const put = (body: Record<string, unknown>, ifMatch?: string) =>
        client.call(admin, 'PUT', `/api/v1/documents/${id}`, body, ifMatch ? { 'if-match': ifMatch } : {})
      const second = await put({ title: 'Draft two', body: 'second text', tags: ['x'] }, '"1"')
      expect(second.statusCode).toBe(200)
      expect(second.json()).toMatchObject({ version: 2, collection: 'notes', tags: ['x'] })
      expect(second.headers.etag).toBe('"2"')
      const stale = await put({ title: 'Lost', body: 'lost text' }, '1')
      expect(stale.statusCode).toBe(409)
      expect(errorCode(stale)).toBe('DOCUMENT_VERSION_CONFLICT')
      expect((await put({ title: 'Bad', body: '' }, 'nope')).statusCode).toBe(400)
      const third = await put({ title: 'Final', body: 'third text', collection: 'archive' })
      expect(third.json()).toMatchObject({ version: 3, collection: 'archive', tags: [] })
      const versions = await client.call(admin, 'GET', `/api/v1/documents/${id}/versions`)
      expect(versions.statusCode).toBe(200)
      const items = versions.json<{ items: { version: number; title: string; body: string }[] }>().items
      expect(items.map((v) => [v.version, v.title, v.body])).toEqual([
        [1, 'Draft', 'first text'],
        [2, 'Draft two', 'second text'],
        [3, 'Final', 'third text'],
      ])
      const paged = await client.call(admin, 'GET', `/api/v1/documents/${id}/versions?limit=2`)
      const cursor = paged.json<{ nextCursor: string }>().nextCursor
      const rest = await client.call(
        admin,
        'GET',
        `/api/v1/documents/${id}/versions?limit=2&cursor=${cursor}`,
      )
      expect(rest.json<{ items: { version: number }[] }>().items.map((v) => v.version)).toEqual([3])
    })

    it('deletes a document: it is gone from reads, versions and search at once', async () => {
      const id = await client.create(admin, {
        collection: 'notes',
        title: 'Ephemeral zanzibar memo',
        body: 'zanzibar',
      })
      expect((await client.search(admin, q('zanzibar'))).items.map((h) => h.id)).toEqual([id])
      const stale = await client.call(admin, 'DELETE', `/api/v1/documents/${id}`, undefined, {
        'if-match': '7',
      })
      expect(stale.statusCode).toBe(409)
      expect((await client.call(admin, 'DELETE', `/api/v1/documents/${id}`)).statusCode).toBe(204)
      expect((await client.search(admin, q('zanzibar'))).items).toEqual([])
      for (const url of [`/api/v1/documents/${id}`, `/api/v1/documents/${id}/versions`]) {
        const response = await client.call(admin, 'GET', url)
        expect(response.statusCode).toBe(404)
        expect(errorCode(response)).toBe('DOCUMENT_NOT_FOUND')
      }
      expect((await client.call(admin, 'DELETE', `/api/v1/documents/${id}`)).statusCode).toBe(404)
    })

    it('an update changes what search finds', async () => {
      const id = await client.create(admin, { collection: 'notes', title: 'Mango report', body: 'mango' })
      await client.call(admin, 'PUT', `/api/v1/documents/${id}`, { title: 'Papaya report', body: 'papaya' })
      expect((await client.search(admin, q('mango'))).items).toEqual([])
      expect((await client.search(admin, q('papaya'))).items.map((h) => h.id)).toEqual([id])
    })
  })

  describe('validation', () => {
    const base = { collection: 'notes', title: 'T', body: 'b' }
    it.each([
      [{ ...base, collection: '../etc' }, 'DOCUMENT_COLLECTION_INVALID'],
      [{ ...base, collection: '' }, 'DOCUMENT_COLLECTION_INVALID'],
      [{ ...base, title: '   ' }, 'DOCUMENT_TITLE_INVALID'],
      [{ ...base, metadata: { nested: { a: 1 } } }, 'DOCUMENT_METADATA_INVALID'],
      [{ ...base, metadata: { list: [1] } }, 'DOCUMENT_METADATA_INVALID'],
      [{ ...base, metadata: { 'bad key': 1 } }, 'DOCUMENT_METADATA_INVALID'],
      [{ ...base, metadata: { none: null } }, 'DOCUMENT_METADATA_INVALID'],
      [{ ...base, metadata: { long: 'x'.repeat(257) } }, 'DOCUMENT_METADATA_INVALID'],
      [
        { ...base, metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) },
        'DOCUMENT_METADATA_INVALID',
      ],
      [{ ...base, tags: ['ok', '<script>'] }, 'DOCUMENT_TAGS_INVALID'],
      [{ ...base, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'DOCUMENT_TAGS_INVALID'],
      [{ ...base, extra: 1 }, 'VALIDATION_FAILED'],
    ])('refuses %j with %s', async (body, code) => {
      const response = await client.call(admin, 'POST', '/api/v1/documents', body)
      expect(response.statusCode).toBe(400)
      expect(errorCode(response)).toBe(code)
    })

    it('refuses a body over the configured size with 413', async () => {
      const small = await profile.startNode({ SYMPHAINY_LIBRARIAN_MAX_BODY_BYTES: '2048' })
      const owner = await signUp(small.gateway)
      const send = (body: string) =>
        small.gateway.inject({
          method: 'POST',
          url: '/api/v1/documents',
          headers: owner.auth,
          payload: { collection: 'big', title: 'Big', body },
        })
      expect((await send('é'.repeat(1024))).statusCode).toBe(201)
      const tooBig = await send('é'.repeat(1025))
      expect(tooBig.statusCode).toBe(413)
      expect(errorCode(tooBig)).toBe('DOCUMENT_BODY_TOO_LARGE')
    })

    it('a viewer may read and search but not write', async () => {
      const response = await client.call(viewer, 'POST', '/api/v1/documents', base)
      expect(response.statusCode).toBe(403)
      expect((await client.call(viewer, 'GET', '/api/v1/documents?q=anything')).statusCode).toBe(200)
    })
  })

  describe('statistics', () => {
    it('concurrent creates, updates and deletes keep document frequencies and totals exact', async () => {
      const writer = await signUp(node.gateway, { tenantName: 'Busy Corp' })
      const words = ['amber', 'birch', 'cedar', 'delta', 'ember', 'fjord']
      const text = (i: number) => words.filter((_, w) => (i >> w) & 1).join(' ') || 'plain'
      const ids = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          client.create(writer, { collection: 'busy', title: `Doc ${text(i)}`, body: text(i * 7) }),
        ),
      )
      await Promise.all([
        ...ids
          .slice(0, 8)
          .map((id, i) =>
            client.call(writer, 'PUT', `/api/v1/documents/${id}`, { title: text(i + 3), body: text(i * 5) }),
          ),
        ...ids.slice(8, 14).map((id) => client.call(writer, 'DELETE', `/api/v1/documents/${id}`)),
      ])
      const { db } = node.infra.database
      const counted = await db
        .selectFrom('lib_postings')
        .select(['term', db.fn.countAll<number>().as('n')])
        .where('tenant_id', '=', writer.tenantId)
        .groupBy('term')
        .execute()
      const stored = await db
        .selectFrom('lib_term_stats')
        .select(['term', 'df'])
        .where('tenant_id', '=', writer.tenantId)
        .execute()
      const byTerm = (rows: { term: string; n?: unknown; df?: unknown }[]) =>
        Object.fromEntries(rows.map((r) => [r.term, Number(r.n ?? r.df)]))
      expect(byTerm(stored)).toEqual(byTerm(counted))
      const totals = await db
        .selectFrom('lib_tenant_stats')
        .selectAll()
        .where('tenant_id', '=', writer.tenantId)
        .executeTakeFirstOrThrow()
      expect(Number(totals.documents)).toBe(18)
      const listed = await client.search(writer, 'collection=busy&limit=200')
      expect(listed.items).toHaveLength(18)
      expect((await client.search(writer, 'q=amber&limit=200')).items.length).toBe(
        Number(byTerm(stored)['amber'] ?? 0),
      )
    })
  })

  describe('tenancy', () => {
    it("another tenant's documents are 404 and never found", async () => {
      const id = await client.create(admin, {
        collection: 'secret',
        title: 'Obsidian launch codes',
        body: 'obsidian',
        tags: ['secret'],
      })
      for (const [method, url, body] of [
        ['GET', `/api/v1/documents/${id}`, undefined],
        ['GET', `/api/v1/documents/${id}/versions`, undefined],
        ['PUT', `/api/v1/documents/${id}`, { title: 'pwned', body: 'pwned' }],
        ['DELETE', `/api/v1/documents/${id}`, undefined],
      ] as const) {
        const response = await client.call(other, method, url, body)
        expect(response.statusCode).toBe(404)
      }
      expect((await client.search(other, q('obsidian'))).items).toEqual([])
      expect((await client.search(other, 'tag=secret')).items).toEqual([])
      expect((await client.search(other, 'collection=secret')).items).toEqual([])
      expect((await client.search(admin, q('obsidian'))).items.map((h) => h.id)).toEqual([id])
    })
  })
})
