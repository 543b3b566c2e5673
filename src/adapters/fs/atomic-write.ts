import { randomUUID } from 'node:crypto'
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import type { PutOptions, StoredFile } from '../../ports/file-store.js'
import { consumeBody } from '../files/body.js'
import { invalidKey } from '../files/file-key.js'
import { codeOf, pathInside } from './safe-path.js'

const commitAttempts = 3

export interface PendingPut {
  root: string
  tempFolder: string
  key: string
  body: Readable | Uint8Array | string
  options: PutOptions | undefined
}

/**
 * Streams the body to a new temporary file beside the root's objects, fsyncs it and renames it over the key's path,
 * so readers see the old object or the new one whole. On any failure the temporary file is removed.
 */
export async function writeAtomically(put: PendingPut): Promise<StoredFile> {
  const tempPath = join(put.tempFolder, `${randomUUID()}.part`)
  const handle = await open(tempPath, 'wx')
  let handleOpen = true
  let committed = false
  try {
    const written = await consumeBody(put.body, put.options, (chunk) => writeFully(handle, chunk))
    await handle.sync()
    handleOpen = false
    await handle.close()
    await commit(tempPath, await pathInside(put.root, put.key), put.key)
    committed = true
    return { key: put.key, ...written }
  } finally {
    if (handleOpen) await handle.close().catch(() => undefined)
    if (!committed) await rm(tempPath, { force: true })
  }
}

async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.byteLength;) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset)
    offset += bytesWritten
  }
}

async function commit(tempPath: string, target: string, key: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dirname(target), { recursive: true })
      await rename(tempPath, target)
      await syncFolder(dirname(target))
      return
    } catch (error) {
      const code = codeOf(error)
      // A concurrent delete may prune the folder between mkdir and rename.
      if (code === 'ENOENT' && attempt < commitAttempts) continue
      if (['EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'ENAMETOOLONG'].includes(code ?? '')) {
        throw invalidKey(key)
      }
      throw error
    }
  }
}

// Makes the rename itself durable; some platforms cannot open a folder for syncing, which is not an error.
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r')
    await handle.sync().finally(() => handle.close())
  } catch {
    return
  }
}
