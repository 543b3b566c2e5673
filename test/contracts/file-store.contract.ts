import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { FileStore } from '../../src/ports/file-store.js'

export interface FileStoreFixture {
  store: FileStore
  cleanup: () => Promise<void>
}

export interface FileStoreContractOptions {
  name: string
  create: () => Promise<FileStoreFixture>
  skip?: { reason: string; tests: string[] }[]
}

/** Keys that must never be accepted: traversal, absolute paths, odd separators, encodings and lookalikes. */
export const hostileKeys: string[] = [
  '../x',
  'a/../../x',
  '/etc/passwd',
  'a//b',
  'a/./b',
  'a\\b',
  'a\u0000b',
  '%2e%2e/x',
  '',
  'a'.repeat(513),
  '..',
  '.',
  'a/',
  'a/..',
  '\u2025/x',
  '\uff0e\uff0e/x',
  'a\u2215b',
  'a\uff0fb',
  '\uff41',
  'e\u0301',
  'a b',
  'a\nb',
]

/** The behaviour every FileStore adapter must show (see src/ports/file-store.ts). */
export function describeFileStoreContract(options: FileStoreContractOptions): void {
  describe(`FileStore contract: ${options.name}`, () => {
    let cleanups: (() => Promise<void>)[] = []
    afterEach(async () => {
      const pending = cleanups
      cleanups = []
      for (const cleanup of pending) await cleanup()
    })
    const known = new Set<string>()
    const test = (name: string, fn: (store: FileStore) => Promise<void>): void => {
      known.add(name)
      const skipped = options.skip?.find((entry) => entry.tests.includes(name))
      if (skipped) {
        it.skip(`${name} (skipped: ${skipped.reason})`, () => undefined)
        return
      }
      it(name, async () => {
        const fixture = await options.create()
        cleanups.push(fixture.cleanup)
        await fn(fixture.store)
      })
    }

    test('put and get round-trip a string', async (store) => {
      const text = 'héllo, wörld ✓'
      const stored = await store.put('tenants/ten_1/files/fil_1', text)
      expect(stored).toEqual({
        key: 'tenants/ten_1/files/fil_1',
        size: Buffer.byteLength(text),
        sha256: sha256(text),
      })
      expect((await readAll(await store.get('tenants/ten_1/files/fil_1'))).toString('utf8')).toBe(text)
    })

    test('put and get round-trip bytes', async (store) => {
      const bytes = Uint8Array.from({ length: 256 }, (_, index) => index)
      const stored = await store.put('bin/all-bytes.dat', bytes)
      expect(stored).toEqual({ key: 'bin/all-bytes.dat', size: 256, sha256: sha256(bytes) })
      expect(Buffer.compare(await readAll(await store.get('bin/all-bytes.dat')), bytes)).toBe(0)
    })

    test('put and get round-trip an empty body', async (store) => {
      expect(await store.put('empty', '')).toEqual({ key: 'empty', size: 0, sha256: sha256('') })
      expect((await readAll(await store.get('empty'))).byteLength).toBe(0)
    })

    test('put streams a 5 MB body and answers its size and SHA-256', async (store) => {
      const expected = createHash('sha256')
      for (const chunk of chunksOf(5 * 1024 * 1024)) expected.update(chunk)
      const digest = expected.digest('hex')

      const stored = await store.put('big/five-mb.bin', Readable.from(chunksOf(5 * 1024 * 1024)))
      expect(stored).toEqual({ key: 'big/five-mb.bin', size: 5 * 1024 * 1024, sha256: digest })
      const read = createHash('sha256')
      let size = 0
      for await (const chunk of await store.get('big/five-mb.bin')) {
        read.update(chunk as Buffer)
        size += (chunk as Buffer).byteLength
      }
      expect({ size, sha256: read.digest('hex') }).toEqual({ size: stored.size, sha256: digest })
    })

    test('stat answers the size, or null when absent', async (store) => {
      await store.put('a/b.txt', 'four')
      expect(await store.stat('a/b.txt')).toMatchObject({ key: 'a/b.txt', size: 4 })
      expect(await store.stat('a/missing.txt')).toBeNull()
      expect(await store.stat('a')).toBeNull()
    })

    test('put overwrites an existing object', async (store) => {
      await store.put('doc.txt', 'first version')
      const stored = await store.put('doc.txt', 'v2')
      expect(stored).toEqual({ key: 'doc.txt', size: 2, sha256: sha256('v2') })
      expect(await text(store, 'doc.txt')).toBe('v2')
      expect(await store.stat('doc.txt')).toMatchObject({ size: 2 })
    })

    test('concurrent puts to one key leave one of the bodies whole', async (store) => {
      const bodies = Array.from({ length: 8 }, (_, index) => `body ${index} `.repeat(10_000 + index))
      const results = await Promise.all(
        bodies.map((body) => store.put('contended', Readable.from([body.slice(0, 5000), body.slice(5000)]))),
      )
      results.forEach((result, index) => expect(result.sha256).toBe(sha256(bodies[index]!)))
      expect(bodies).toContain(await text(store, 'contended'))
      expect((await store.list('')).items.map((item) => item.key)).toEqual(['contended'])
    })

    test('delete answers whether something was deleted', async (store) => {
      await store.put('x/y/z.txt', 'z')
      expect(await store.delete('x/y/z.txt')).toBe(true)
      expect(await store.delete('x/y/z.txt')).toBe(false)
      expect(await store.delete('never/was')).toBe(false)
      expect(await store.stat('x/y/z.txt')).toBeNull()
      expect((await store.list('')).items).toEqual([])
    })

    test('get of an absent key fails with FILE_NOT_FOUND before reading', async (store) => {
      await expect(store.get('nothing/here')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
      await store.put('folder/file', 'f')
      await expect(store.get('folder')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' })
    })

    test('checksum: false stores the same bytes and answers no SHA-256', async (store) => {
      const text = 'no hash wanted ✓'
      expect(await store.put('plain/text.txt', text, { checksum: false })).toEqual({
        key: 'plain/text.txt',
        size: Buffer.byteLength(text),
      })
      expect((await readAll(await store.get('plain/text.txt'))).toString('utf8')).toBe(text)
      expect((await store.stat('plain/text.txt'))?.size).toBe(Buffer.byteLength(text))
    })

    test('maxBytes rejects a larger body with FILE_TOO_LARGE and stores nothing', async (store) => {
      expect(await store.put('fits', '0123456789', { maxBytes: 10 })).toMatchObject({ size: 10 })
      await expect(store.put('too-big', '0123456789a', { maxBytes: 10 })).rejects.toMatchObject({
        code: 'FILE_TOO_LARGE',
        details: { maxBytes: 10 },
      })
      await expect(store.put('too-big', new Uint8Array(11), { maxBytes: 10 })).rejects.toMatchObject({
        code: 'FILE_TOO_LARGE',
      })
      expect(await store.stat('too-big')).toBeNull()
      expect((await store.list('')).items.map((item) => item.key)).toEqual(['fits'])
    })

    test('maxBytes aborts an endless stream early and leaves the previous object untouched', async (store) => {
      await store.put('kept', 'old content')
      let produced = 0
      const endless = Readable.from(
        (function* () {
          for (;;) {
            produced++
            yield Buffer.alloc(1024, 1)
          }
        })(),
      )
      await expect(store.put('kept', endless, { maxBytes: 4096 })).rejects.toMatchObject({
        code: 'FILE_TOO_LARGE',
      })
      expect(produced).toBeLessThan(100)
      expect(await text(store, 'kept')).toBe('old content')
      expect((await store.list('')).items.map((item) => item.key)).toEqual(['kept'])
    })

    test('a stream that fails midway stores nothing and leaves the previous object untouched', async (store) => {
      const failing = () =>
        Readable.from(
          (function* () {
            yield Buffer.from('partial ')
            yield Buffer.from('content ')
            throw new Error('connection reset')
          })(),
        )
      await expect(store.put('fresh', failing())).rejects.toThrow('connection reset')
      expect(await store.stat('fresh')).toBeNull()

      await store.put('kept', 'old content')
      await expect(store.put('kept', failing())).rejects.toThrow('connection reset')
      expect(await text(store, 'kept')).toBe('old content')
      expect((await store.list('')).items.map((item) => item.key)).toEqual(['kept'])
    })

    test('list pages through a prefix in key order', async (store) => {
      const under = ['p/e', 'p/a', 'p/c/d', 'p/b', 'p/c-x']
      for (const key of [...under, 'q/a', 'pp/a', 'p.txt']) await store.put(key, key)

      const pages = await allPages(store, 'p/', 2)
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1])
      expect(pages.flat()).toEqual(['p/a', 'p/b', 'p/c-x', 'p/c/d', 'p/e'])
      expect(await allPages(store, 'p/', 2)).toEqual(pages)

      const first = await store.list('p/', { limit: 2 })
      expect(first.items).toEqual([
        expect.objectContaining({ key: 'p/a', size: 3 }),
        expect.objectContaining({ key: 'p/b', size: 3 }),
      ])
      const second = await store.list('p/', { limit: 2, cursor: first.nextCursor! })
      expect(second.items.map((item) => item.key)).toEqual(['p/c-x', 'p/c/d'])

      expect((await allPages(store, 'p/c', 10)).flat()).toEqual(['p/c-x', 'p/c/d'])
      expect((await allPages(store, '', 3)).flat()).toEqual([
        'p.txt',
        'p/a',
        'p/b',
        'p/c-x',
        'p/c/d',
        'p/e',
        'pp/a',
        'q/a',
      ])
      expect(await store.list('nothing/')).toEqual({ items: [], nextCursor: null })
    })

    test('list continues correctly when keys change between pages', async (store) => {
      for (const key of ['k/1', 'k/2', 'k/3', 'k/4']) await store.put(key, key)
      const first = await store.list('k/', { limit: 2 })
      await store.delete('k/2')
      await store.put('k/0', 'new, sorts first')
      await store.put('k/35', 'new, sorts later')
      const rest = await store.list('k/', { cursor: first.nextCursor! })
      expect(rest.items.map((item) => item.key)).toEqual(['k/3', 'k/35', 'k/4'])
      expect(rest.nextCursor).toBeNull()
    })

    test('hostile keys are rejected with FILE_KEY_INVALID', async (store) => {
      for (const key of hostileKeys) {
        const invalid = { code: 'FILE_KEY_INVALID' }
        await expect(store.put(key, 'x'), JSON.stringify(key)).rejects.toMatchObject(invalid)
        await expect(store.get(key), JSON.stringify(key)).rejects.toMatchObject(invalid)
        await expect(store.stat(key), JSON.stringify(key)).rejects.toMatchObject(invalid)
        await expect(store.delete(key), JSON.stringify(key)).rejects.toMatchObject(invalid)
      }
      for (const prefix of ['../', '/etc', 'a//', 'a/../', '%2e%2e/', 'a\\']) {
        await expect(store.list(prefix), prefix).rejects.toMatchObject({ code: 'FILE_KEY_INVALID' })
      }
      await expect(store.list('', { cursor: '!!!' })).rejects.toMatchObject({ code: 'FILE_KEY_INVALID' })
      expect((await store.list('')).items).toEqual([])
    })

    test('the longest and most varied valid keys are accepted', async (store) => {
      // Segments stay within 255 characters, the usual filesystem limit for one name.
      const longest = `${'a'.repeat(255)}/${'b'.repeat(254)}/c`
      for (const key of [longest, 'A-Z_a.z-0.9', '.hidden/..dots/...', 'a/b/c/d/e/f/g']) {
        await store.put(key, key)
        expect(await text(store, key)).toBe(key)
      }
    })

    test('a key cannot be both a file and a folder of other keys', async (store) => {
      await store.put('a', 'file a')
      await expect(store.put('a/b', 'x')).rejects.toMatchObject({ code: 'FILE_KEY_INVALID' })
      await store.put('c/d', 'file c/d')
      await expect(store.put('c', 'x')).rejects.toMatchObject({ code: 'FILE_KEY_INVALID' })
      expect(await text(store, 'a')).toBe('file a')
      expect(await store.delete('c/d')).toBe(true)
      await store.put('c', 'now a file')
      expect((await store.list('')).items.map((item) => item.key)).toEqual(['a', 'c'])
    })

    test('ping answers', async (store) => {
      await expect(store.ping()).resolves.toBeUndefined()
    })

    for (const entry of options.skip ?? []) {
      for (const name of entry.tests) {
        if (!known.has(name))
          throw new Error(`${options.name} skips an unknown FileStore contract test: ${name}`)
      }
    }
  })
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}

async function text(store: FileStore, key: string): Promise<string> {
  return (await readAll(await store.get(key))).toString('utf8')
}

// Deterministic, incompressible-looking chunks of 64 KiB (the last one shorter).
function* chunksOf(total: number): Generator<Buffer> {
  let state = 0x12345678
  for (let offset = 0; offset < total; offset += 65536) {
    const chunk = Buffer.alloc(Math.min(65536, total - offset))
    for (let index = 0; index < chunk.length; index++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      chunk[index] = state >>> 24
    }
    yield chunk
  }
}

async function allPages(store: FileStore, prefix: string, limit: number): Promise<string[][]> {
  const pages: string[][] = []
  let cursor: string | undefined
  do {
    const page = await store.list(prefix, cursor === undefined ? { limit } : { limit, cursor })
    pages.push(page.items.map((item) => item.key))
    cursor = page.nextCursor ?? undefined
  } while (cursor !== undefined)
  return pages
}
