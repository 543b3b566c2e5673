import type { FileListPage, StoredFile } from '../../ports/file-store.js'
import { assertValidKey, invalidKey } from './file-key.js'

export const maxListLimit = 1000

export function listLimitOf(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return maxListLimit
  return Math.min(Math.max(Math.floor(limit), 1), maxListLimit)
}

/** The key a cursor resumes after; the cursor is the base64url of the last key of the previous page. */
export function keyAfterCursor(cursor: string | undefined): string | null {
  if (cursor === undefined) return null
  const key = Buffer.from(cursor, 'base64url').toString('utf8')
  try {
    assertValidKey(key)
  } catch {
    throw invalidKey(cursor)
  }
  return key
}

/** Takes up to `limit` files from `files` (already in key order and after the cursor) and the next page's cursor. */
export async function collectPage(
  files: AsyncIterable<StoredFile> | Iterable<StoredFile>,
  limit: number,
): Promise<FileListPage> {
  const items: StoredFile[] = []
  for await (const file of files) {
    if (items.length === limit) return { items, nextCursor: cursorOf(items[items.length - 1]) }
    items.push(file)
  }
  return { items, nextCursor: null }
}

function cursorOf(file: StoredFile | undefined): string | null {
  return file === undefined ? null : Buffer.from(file.key, 'utf8').toString('base64url')
}
