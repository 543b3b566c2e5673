import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Platform } from '../../src/platform.js'
import { type Account, addUser, errorCode, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { csvType, type FileView, filesClient, pdfBytes, xlsxBytes, xlsxType } from './file-support.js'

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex')

describeOnProfiles('Data Steward files', (profile) => {
  let node: Platform
  let admin: Account
  let viewer: Account
  const client = filesClient(() => node)

  beforeAll(async () => {
    node = await profile.startNode()
    admin = await signUp(node.gateway)
    viewer = await addUser(node.gateway, admin, ['viewer'], 'viewer')
  })

  describe('round trip', () => {
    it('stores a CSV and answers it back byte for byte with its checksum and safe headers', async () => {
      const csv = 'id,name\n1,Ada\n2,Grace\n'
      const created = await client.upload(admin, [
        { name: 'file', filename: 'people.csv', contentType: csvType, content: csv },
      ])
      expect(created.statusCode).toBe(201)
      const file = created.json<FileView>()
      expect(file).toMatchObject({
        name: 'people.csv',
        size: Buffer.byteLength(csv),
        contentType: 'text/csv',
        checksum: sha256(csv),
        role: 'data',
        copybookId: null,
        createdBy: admin.userId,
      })
      expect(file.id).toMatch(/^fil_[0-9a-z]{26}$/)

      const record = await client.call(viewer, 'GET', `/api/v1/files/${file.id}`)
      expect(record.json()).toEqual(file)

      const content = await client.call(viewer, 'GET', `/api/v1/files/${file.id}/content`)
      expect(content.statusCode).toBe(200)
      expect(content.body).toBe(csv)
      expect(content.headers['content-type']).toBe('text/csv')
      expect(content.headers['content-length']).toBe(String(Buffer.byteLength(csv)))
      expect(content.headers['x-content-type-options']).toBe('nosniff')
      expect(content.headers['content-disposition']).toBe(
        `attachment; filename="people.csv"; filename*=UTF-8''people.csv`,
      )
      expect(await client.storedKeys(admin.tenantId)).toContain(`tenants/${admin.tenantId}/files/${file.id}`)
    })

    it('stores binary formats whose signature matches: XLSX and PDF', async () => {
      const xlsx = await xlsxBytes(50)
      const sheet = await client.uploadOk(admin, [
        { name: 'file', filename: 'book.xlsx', contentType: xlsxType, content: xlsx },
      ])
      expect(sheet).toMatchObject({ size: xlsx.length, checksum: sha256(xlsx), contentType: xlsxType })
      const back = await client.call(admin, 'GET', `/api/v1/files/${sheet.id}/content`)
      expect(sha256(back.rawPayload)).toBe(sha256(xlsx))

      const pdf = pdfBytes()
      const document = await client.uploadOk(admin, [
        { name: 'file', filename: 'doc.pdf', contentType: 'application/pdf', content: pdf },
      ])
      expect(document.checksum).toBe(sha256(pdf))
    })

    it('accepts JSON, NDJSON, Markdown, UTF-16 text with its BOM, and anything as application/octet-stream', async () => {
      const cases = [
        { type: 'application/json', content: Buffer.from('  \n{"a": [1, 2]}') },
        { type: 'application/x-ndjson', content: Buffer.from('{"a":1}\n{"a":2}\n') },
        { type: 'text/markdown', content: Buffer.from('# Title\n\nSome *text* — ünïcödé.\n') },
        {
          type: 'text/plain',
          content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]),
        },
        { type: 'application/octet-stream', content: Buffer.from([0x00, 0x01, 0xc3, 0x28, 0xff]) },
      ]
      for (const { type, content } of cases) {
        const response = await client.upload(admin, [
          { name: 'file', filename: 'x', contentType: type, content },
        ])
        expect(response.statusCode, `${type}: ${response.body}`).toBe(201)
        expect(response.json<FileView>()).toMatchObject({ contentType: type, checksum: sha256(content) })
      }
    })

    it('stores a copybook with its data file and links them; deleting the data file removes both', async () => {
      const copybook = '       01 CUSTOMER.\n          05 CUST-ID PIC 9(6).\n'
      const data = Buffer.from([0xf0, 0xf0, 0xf1, 0x00, 0x12, 0x3c])
      const file = await client.uploadOk(admin, [
        { name: 'file', filename: 'CUSTOMERS.DAT', contentType: 'application/octet-stream', content: data },
        { name: 'copybook', filename: 'CUSTOMER.cpy', contentType: 'text/plain', content: copybook },
      ])
      expect(file.copybookId).toMatch(/^fil_/)
      const linked = await client.call(admin, 'GET', `/api/v1/files/${file.copybookId}`)
      expect(linked.json()).toMatchObject({
        role: 'copybook',
        name: 'CUSTOMER.cpy',
        contentType: 'text/plain',
        checksum: sha256(copybook),
      })
      const deleted = await client.call(admin, 'DELETE', `/api/v1/files/${file.id}`)
      expect(deleted.statusCode).toBe(204)
      for (const id of [file.id, file.copybookId!]) {
        expect((await client.call(admin, 'GET', `/api/v1/files/${id}`)).statusCode).toBe(404)
        expect(await client.storedKeys(admin.tenantId)).not.toContain(`tenants/${admin.tenantId}/files/${id}`)
      }
    })

    it('refuses a copybook that is not text', async () => {
      const response = await client.upload(admin, [
        { name: 'file', filename: 'a.dat', contentType: 'application/octet-stream', content: 'x' },
        { name: 'copybook', filename: 'c.cpy', contentType: 'text/plain', content: Buffer.from([0, 1, 2]) },
      ])
      expect(response.statusCode).toBe(400)
      expect(errorCode(response)).toBe('FILE_TYPE_MISMATCH')
    })
  })

  describe('names', () => {
    it.each([
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\windows\\system.ini', 'system.ini'],
      ['..', 'upload'],
      ['report\u202egnp.exe', 'reportgnp.exe'],
      [' spaced out.csv ', 'spaced out.csv'],
      [`${'a'.repeat(300)}.csv`, `${'a'.repeat(196)}.csv`],
    ])('keeps only a displayable last segment of %j', async (raw, expected) => {
      const file = await client.uploadOk(admin, [
        { name: 'file', filename: raw, contentType: 'text/plain', content: 'text' },
      ])
      expect(file.name).toBe(expected)
    })

    it('downloads non-ASCII and quote-bearing names with an ASCII fallback and an RFC 8187 filename*', async () => {
      const file = await client.uploadOk(admin, [
        { name: 'file', filename: 'résumé \\"final\\"; x.csv', contentType: csvType, content: 'a\n' },
      ])
      expect(file.name).toBe('résumé "final"; x.csv')
      const content = await client.call(admin, 'GET', `/api/v1/files/${file.id}/content`)
      expect(content.headers['content-disposition']).toBe(
        `attachment; filename="r_sum_ _final_; x.csv"; ` +
          `filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B%20x.csv`,
      )
    })
  })

  describe('refusals store nothing', () => {
    const refusals: {
      title: string
      parts: () => Promise<Parameters<typeof client.upload>[1]>
      code: string
    }[] = [
      {
        title: 'a PDF declared as CSV',
        parts: async () => [{ name: 'file', filename: 'a.csv', contentType: csvType, content: pdfBytes() }],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'an XLSX declared as a PDF',
        parts: async () => [
          { name: 'file', filename: 'a.pdf', contentType: 'application/pdf', content: await xlsxBytes() },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'an all-ASCII PDF declared as plain text',
        parts: async () => [
          {
            name: 'file',
            filename: 'a.txt',
            contentType: 'text/plain',
            content: '%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
          },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'plain text declared as XLSX',
        parts: async () => [
          { name: 'file', filename: 'a.xlsx', contentType: xlsxType, content: 'a,b\n1,2\n' },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'invalid UTF-8 declared as CSV',
        parts: async () => [
          {
            name: 'file',
            filename: 'a.csv',
            contentType: csvType,
            content: Buffer.concat([Buffer.from('a,b\n'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
          },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'invalid UTF-8 after the sniffing window',
        parts: async () => [
          {
            name: 'file',
            filename: 'a.csv',
            contentType: csvType,
            content: Buffer.concat([Buffer.from('a,b\n'.repeat(40_000)), Buffer.from([0xff, 0x0a])]),
          },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'a NUL byte in text',
        parts: async () => [
          { name: 'file', filename: 'a.txt', contentType: 'text/plain', content: 'a\u0000b' },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'CSV declared as JSON',
        parts: async () => [
          { name: 'file', filename: 'a.json', contentType: 'application/json', content: 'id,name\n1,x\n' },
        ],
        code: 'FILE_TYPE_MISMATCH',
      },
      {
        title: 'an undeclared type',
        parts: async () => [{ name: 'file', filename: 'a.html', contentType: 'text/html', content: '<p>' }],
        code: 'FILE_TYPE_UNSUPPORTED',
      },
      {
        title: 'no file part',
        parts: async () => [{ name: 'other', filename: 'a.txt', contentType: 'text/plain', content: 'x' }],
        code: 'FILE_PART_UNEXPECTED',
      },
      {
        title: 'an empty form',
        parts: async () => [],
        code: 'FILE_PART_MISSING',
      },
      {
        title: 'a form field',
        parts: async () => [{ name: 'note', content: 'hello' }],
        code: 'FILE_PART_UNEXPECTED',
      },
      {
        title: 'two files in one request (the second one is refused, and the first is removed)',
        parts: async () => [
          { name: 'file', filename: 'a.csv', contentType: csvType, content: 'a\n' },
          { name: 'file', filename: 'b.csv', contentType: csvType, content: 'b\n' },
        ],
        code: 'FILE_PART_UNEXPECTED',
      },
      {
        title: 'a valid file followed by a lying copybook',
        parts: async () => [
          { name: 'file', filename: 'a.csv', contentType: csvType, content: 'a\n' },
          { name: 'copybook', filename: 'c.cpy', contentType: 'application/pdf', content: pdfBytes() },
        ],
        code: 'FILE_TYPE_UNSUPPORTED',
      },
    ]

    it.each(refusals)('$title → 400 $code', async ({ parts, code }) => {
      const tenant = await signUp(node.gateway)
      const response = await client.upload(tenant, await parts())
      expect(response.statusCode, response.body).toBe(400)
      expect(errorCode(response)).toBe(code)
      const list = await client.call(tenant, 'GET', '/api/v1/files')
      expect(list.json()).toEqual({ items: [], nextCursor: null })
      expect(await client.storedKeys(tenant.tenantId)).toEqual([])
    })

    it('refuses a copybook larger than 1 MiB with 413 and removes the data file stored before it', async () => {
      const tenant = await signUp(node.gateway)
      const response = await client.upload(tenant, [
        { name: 'file', filename: 'a.dat', contentType: 'application/octet-stream', content: 'data' },
        {
          name: 'copybook',
          filename: 'c.cpy',
          contentType: 'text/plain',
          content: 'x'.repeat(1024 * 1024 + 1),
        },
      ])
      expect(response.statusCode).toBe(413)
      expect(response.json()).toMatchObject({
        error: { code: 'FILE_TOO_LARGE', details: { maxBytes: 1024 * 1024 } },
      })
      expect(await client.storedKeys(tenant.tenantId)).toEqual([])
    })

    it('refuses a request that is not multipart', async () => {
      const response = await node.gateway.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: admin.auth,
        payload: { file: 'text' },
      })
      expect(response.statusCode).toBe(400)
      expect(errorCode(response)).toBe('FILE_UPLOAD_NOT_MULTIPART')
    })

    it('refuses a multipart content type without a boundary', async () => {
      const response = await node.gateway.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...admin.auth, 'content-type': 'multipart/form-data' },
        payload: 'whatever',
      })
      expect(response.statusCode).toBe(400)
      expect(errorCode(response)).toBe('FILE_UPLOAD_MALFORMED')
    })

    it('refuses a multipart body cut short', async () => {
      const tenant = await signUp(node.gateway)
      const body = (await import('./file-support.js')).multipart([
        { name: 'file', filename: 'a.csv', contentType: csvType, content: 'a,b\n'.repeat(1000) },
      ])
      const response = await node.gateway.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...tenant.auth, ...body.headers },
        payload: body.payload.subarray(0, 2000),
      })
      expect(response.statusCode).toBe(400)
      expect(errorCode(response)).toBe('FILE_UPLOAD_MALFORMED')
      expect(await client.storedKeys(tenant.tenantId)).toEqual([])
    })
  })

  describe('listing and deleting', () => {
    it('lists newest first, page by page, and forgets deleted files', async () => {
      const tenant = await signUp(node.gateway)
      const ids: string[] = []
      for (let i = 0; i < 5; i++) {
        const file = await client.uploadOk(tenant, [
          { name: 'file', filename: `f${i}.txt`, contentType: 'text/plain', content: `file ${i}` },
        ])
        ids.push(file.id)
      }
      const seen: FileView[] = []
      let cursor: string | null = null
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2'
        const page = (await client.call(tenant, 'GET', `/api/v1/files${query}`)).json<{
          items: FileView[]
          nextCursor: string | null
        }>()
        expect(page.items.length).toBeLessThanOrEqual(2)
        seen.push(...page.items)
        cursor = page.nextCursor
      } while (cursor)
      expect(seen.map((f) => f.name)).toEqual(['f4.txt', 'f3.txt', 'f2.txt', 'f1.txt', 'f0.txt'])

      expect((await client.call(tenant, 'DELETE', `/api/v1/files/${ids[2]}`)).statusCode).toBe(204)
      expect((await client.call(tenant, 'DELETE', `/api/v1/files/${ids[2]}`)).statusCode).toBe(404)
      const after = (await client.call(tenant, 'GET', '/api/v1/files')).json<{ items: FileView[] }>()
      expect(after.items.map((f) => f.name)).toEqual(['f4.txt', 'f3.txt', 'f1.txt', 'f0.txt'])
      expect(await client.storedKeys(tenant.tenantId)).toHaveLength(4)
      const gone = await client.call(tenant, 'GET', `/api/v1/files/${ids[2]}/content`)
      expect(gone.statusCode).toBe(404)
      expect(errorCode(gone)).toBe('FILE_RECORD_NOT_FOUND')
    })

    it("answers 404 for another tenant's file on every route, and leaves it alone", async () => {
      const owner = await signUp(node.gateway)
      const stranger = await signUp(node.gateway)
      const file = await client.uploadOk(owner, [
        { name: 'file', filename: 'secret.txt', contentType: 'text/plain', content: 'secret' },
      ])
      for (const [method, url] of [
        ['GET', `/api/v1/files/${file.id}`],
        ['GET', `/api/v1/files/${file.id}/content`],
        ['DELETE', `/api/v1/files/${file.id}`],
      ] as const) {
        const response = await client.call(stranger, method, url)
        expect(response.statusCode, `${method} ${url}`).toBe(404)
        expect(response.body).not.toContain('secret')
      }
      expect((await client.call(stranger, 'GET', '/api/v1/files')).json()).toEqual({
        items: [],
        nextCursor: null,
      })
      expect((await client.call(owner, 'GET', `/api/v1/files/${file.id}/content`)).body).toBe('secret')
    })

    it('serves other code through the library: get, open, list and delete, tenant-scoped', async () => {
      const library = node.services.dataSteward.files
      const owner = await signUp(node.gateway)
      const stranger = await signUp(node.gateway)
      const file = await client.uploadOk(owner, [
        { name: 'file', filename: 'notes.md', contentType: 'text/markdown', content: '# Notes\n' },
      ])
      expect(await library.get(owner.tenantId, file.id)).toMatchObject({
        id: file.id,
        tenantId: owner.tenantId,
        name: 'notes.md',
        size: 8,
        createdBy: owner.userId,
      })
      const chunks: Buffer[] = []
      for await (const chunk of await library.open(owner.tenantId, file.id)) chunks.push(chunk as Buffer)
      expect(Buffer.concat(chunks).toString('utf8')).toBe('# Notes\n')
      expect((await library.list(owner.tenantId, {})).items.map((f) => f.id)).toEqual([file.id])
      await expect(library.get(stranger.tenantId, file.id)).rejects.toMatchObject({
        code: 'FILE_RECORD_NOT_FOUND',
      })
      await expect(library.open(stranger.tenantId, file.id)).rejects.toMatchObject({
        code: 'FILE_RECORD_NOT_FOUND',
      })
      await expect(library.delete(stranger.tenantId, file.id)).rejects.toMatchObject({
        code: 'FILE_RECORD_NOT_FOUND',
      })
      await library.delete(owner.tenantId, file.id)
      expect(await client.storedKeys(owner.tenantId)).toEqual([])
    })

    it('lets a viewer read but not upload or delete', async () => {
      const denied = await client.upload(viewer, [
        { name: 'file', filename: 'a.txt', contentType: 'text/plain', content: 'x' },
      ])
      expect(denied.statusCode).toBe(403)
      expect((await client.call(viewer, 'GET', '/api/v1/files')).statusCode).toBe(200)
    })
  })
})
