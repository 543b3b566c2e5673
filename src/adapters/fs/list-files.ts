import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoredFile } from '../../ports/file-store.js'
import { isKeySegment } from '../files/file-key.js'
import { isMissing } from './safe-path.js'

export interface ListFilter {
  prefix: string
  after: string | null
}

/**
 * Yields the files under `folder` (whose keys start with `folderKey`, `` or ending in `/`) in key order, depth
 * first. A folder sorts as its name plus `/`, which is where its keys fall among its siblings' keys. Folders that
 * cannot hold a matching key are skipped unread. Symlinks and names that are not key segments (such as the
 * temporary folder) are never listed.
 */
export async function* filesUnder(
  folder: string,
  folderKey: string,
  filter: ListFilter,
): AsyncGenerator<StoredFile> {
  let entries
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch (error) {
    if (isMissing(error)) return
    throw error
  }
  const sorted = entries
    .filter((entry) => (entry.isFile() || entry.isDirectory()) && isKeySegment(entry.name))
    .map((entry) => ({ name: entry.name, isFolder: entry.isDirectory(), sortKey: folderKey + entry.name }))
    .map((entry) => (entry.isFolder ? { ...entry, sortKey: `${entry.sortKey}/` } : entry))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
  for (const entry of sorted) {
    const path = join(folder, entry.name)
    if (entry.isFolder) {
      if (mayHoldMatches(entry.sortKey, filter)) yield* filesUnder(path, entry.sortKey, filter)
    } else if (
      entry.sortKey.startsWith(filter.prefix) &&
      (filter.after === null || entry.sortKey > filter.after)
    ) {
      const size = await sizeOf(path)
      if (size !== null) yield { key: entry.sortKey, size }
    }
  }
}

function mayHoldMatches(folderKey: string, { prefix, after }: ListFilter): boolean {
  const matchesPrefix = folderKey.startsWith(prefix) || prefix.startsWith(folderKey)
  // Every key in the folder sorts before `after` when the folder key does and `after` is not inside the folder.
  const allBeforeCursor = after !== null && folderKey < after && !after.startsWith(folderKey)
  return matchesPrefix && !allBeforeCursor
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size
  } catch (error) {
    if (isMissing(error)) return null
    throw error
  }
}
