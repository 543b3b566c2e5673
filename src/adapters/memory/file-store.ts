import { Readable } from 'node:stream'
import { storageErrors } from '../../ports/errors.js'
import type { FileStore, StoredFile } from '../../ports/file-store.js'
import { consumeBody } from '../files/body.js'
import { assertValidKey, assertValidPrefix, invalidKey } from '../files/file-key.js'
import { collectPage, keyAfterCursor, listLimitOf } from '../files/list-page.js'

interface StoredObject {
  bytes: Buffer
  sha256?: string
}

/**
 * Files in process memory, with the folder store's semantics: the same key rule, checksums, size limit, ordering
 * and pagination, and a key cannot be both a file and a folder of other keys (`a` and `a/b`).
 */
export function createMemoryFileStore(): FileStore {
  const objects = new Map<string, StoredObject>()
  // How many stored keys lie under each folder (`a` and `a/b` for `a/b/c`).
  const folderSizes = new Map<string, number>()

  const conflictsWithFolders = (key: string): boolean =>
    folderSizes.has(key) || foldersOf(key).some((folder) => objects.has(folder))
  const countFolders = (key: string, delta: number): void => {
    for (const folder of foldersOf(key)) {
      const size = (folderSizes.get(folder) ?? 0) + delta
      if (size === 0) folderSizes.delete(folder)
      else folderSizes.set(folder, size)
    }
  }

  return {
    async put(key, body, options) {
      assertValidKey(key)
      const chunks: Uint8Array[] = []
      const written = await consumeBody(body, options, (chunk) => {
        chunks.push(chunk)
      })
      if (!objects.has(key)) {
        if (conflictsWithFolders(key)) throw invalidKey(key)
        countFolders(key, 1)
      }
      objects.set(key, { bytes: Buffer.concat(chunks, written.size), ...written })
      return { key, ...written }
    },
    get: (key) =>
      settle(() => {
        assertValidKey(key)
        const object = objects.get(key)
        if (object === undefined) throw storageErrors.FILE_NOT_FOUND()
        return Readable.from([Buffer.from(object.bytes)], { objectMode: false })
      }),
    stat: (key) =>
      settle(() => {
        assertValidKey(key)
        const object = objects.get(key)
        return object === undefined ? null : describe(key, object)
      }),
    delete: (key) =>
      settle(() => {
        assertValidKey(key)
        if (!objects.delete(key)) return false
        countFolders(key, -1)
        return true
      }),
    async list(prefix, options = {}) {
      assertValidPrefix(prefix)
      const after = keyAfterCursor(options.cursor)
      const keys = [...objects.keys()]
        .filter((key) => key.startsWith(prefix) && (after === null || key > after))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      const files = keys.map((key) => describe(key, objects.get(key)!))
      return collectPage(files, listLimitOf(options.limit))
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }
}

// Runs `fn` so that what it throws (such as FILE_KEY_INVALID) arrives as a rejection, as from the other stores.
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()))
}

function foldersOf(key: string): string[] {
  const segments = key.split('/')
  return segments.slice(1).map((_, index) => segments.slice(0, index + 1).join('/'))
}

function describe(key: string, object: StoredObject): StoredFile {
  return { key, size: object.bytes.byteLength, ...(object.sha256 !== undefined && { sha256: object.sha256 }) }
}
