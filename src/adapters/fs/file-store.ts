import { constants } from 'node:fs'
import {
  access,
  type FileHandle,
  mkdir,
  open,
  readdir,
  realpath,
  rm,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { storageErrors } from '../../ports/errors.js'
import type { FileStore } from '../../ports/file-store.js'
import { assertValidKey, assertValidPrefix, folderOfPrefix } from '../files/file-key.js'
import { collectPage, keyAfterCursor, listLimitOf } from '../files/list-page.js'
import { writeAtomically } from './atomic-write.js'
import { filesUnder } from './list-files.js'
import { codeOf, isMissing, pathInside } from './safe-path.js'

// `~` is not a key character, so no key can reach the temporary folder and `list` never shows it.
const tempFolderName = '.tmp~'
const staleTempAgeMs = 24 * 60 * 60 * 1000

/**
 * Files in a local (or shared) folder, for `file:<folder>` (relative to the working folder, or absolute) and
 * `file:///<folder>`. Each put is written to a temporary file in the root, fsynced, then renamed into place.
 * A key cannot be both a file and a folder of other keys (`a` and `a/b`): the second fails with FILE_KEY_INVALID,
 * as does a key segment longer than the filesystem allows in one name (usually 255 bytes).
 */
export async function createLocalFileStore(options: { url: string }): Promise<FileStore> {
  const root = await openRoot(folderOf(options.url))
  const tempFolder = join(root, tempFolderName)
  await mkdir(tempFolder, { recursive: true })
  await removeStaleTempFiles(tempFolder)

  return {
    async put(key, body, putOptions) {
      assertValidKey(key)
      return writeAtomically({ root, tempFolder, key, body, options: putOptions })
    },
    async get(key) {
      assertValidKey(key)
      const handle = await openFile(await pathInside(root, key))
      return handle.createReadStream()
    },
    async stat(key) {
      assertValidKey(key)
      try {
        const info = await stat(await pathInside(root, key))
        return info.isFile() ? { key, size: info.size } : null
      } catch (error) {
        if (isMissing(error)) return null
        throw error
      }
    },
    async delete(key) {
      assertValidKey(key)
      const target = await pathInside(root, key)
      try {
        await unlink(target)
      } catch (error) {
        const code = codeOf(error)
        if (isMissing(error) || code === 'EISDIR' || code === 'EPERM') return false
        throw error
      }
      await removeEmptyFolders(root, dirname(target))
      return true
    },
    async list(prefix, listOptions = {}) {
      assertValidPrefix(prefix)
      const after = keyAfterCursor(listOptions.cursor)
      const folderKey = folderOfPrefix(prefix)
      const folder = folderKey === '' ? root : await pathInside(root, folderKey.slice(0, -1))
      return collectPage(filesUnder(folder, folderKey, { prefix, after }), listLimitOf(listOptions.limit))
    },
    async ping() {
      try {
        await access(tempFolder, constants.R_OK | constants.W_OK)
      } catch (error) {
        throw storageErrors.STORAGE_UNAVAILABLE({ store: 'file' }, error)
      }
    },
    close: () => Promise.resolve(),
  }
}

function folderOf(url: string): string {
  if (url.startsWith('file://')) return fileURLToPath(url)
  const match = /^file:(.+)$/.exec(url)
  if (!match?.[1]) throw new Error(`Not a file store URL (expected file:<folder>): ${url}`)
  return resolve(match[1])
}

async function openRoot(folder: string): Promise<string> {
  try {
    await mkdir(folder, { recursive: true })
    return await realpath(folder)
  } catch (error) {
    throw storageErrors.STORAGE_UNAVAILABLE({ store: 'file' }, error)
  }
}

async function openFile(path: string): Promise<FileHandle> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if (isMissing(error) || codeOf(error) === 'EISDIR') throw storageErrors.FILE_NOT_FOUND()
    throw error
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close()
    throw storageErrors.FILE_NOT_FOUND()
  }
  return handle
}

async function removeEmptyFolders(root: string, folder: string): Promise<void> {
  for (let current = folder; current.startsWith(root + sep); current = dirname(current)) {
    try {
      await rmdir(current)
    } catch {
      return
    }
  }
}

// Puts interrupted by a crash leave temporary files; other nodes may be writing theirs right now, so only old ones go.
async function removeStaleTempFiles(tempFolder: string): Promise<void> {
  const cutoff = Date.now() - staleTempAgeMs
  for (const name of await readdir(tempFolder)) {
    const path = join(tempFolder, name)
    const info = await stat(path).catch(() => null)
    if (info !== null && info.mtimeMs < cutoff) await rm(path, { force: true, recursive: true })
  }
}
