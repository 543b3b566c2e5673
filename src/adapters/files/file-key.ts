import type { PlatformError } from '../../kernel/errors.js'
import { storageErrors } from '../../ports/errors.js'

const maxKeyLength = 512
const segmentPattern = /^[A-Za-z0-9._-]+$/
const shownKeyLength = 100

/** Whether `name` may be one `/`-separated part of a key: allowed characters, and not `.` or `..`. */
export function isKeySegment(name: string): boolean {
  return segmentPattern.test(name) && name !== '.' && name !== '..'
}

/** Throws FILE_KEY_INVALID unless `key` follows the FileStore key rule (see ports/file-store.ts). */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength) throw invalidKey(key)
  if (!key.split('/').every(isKeySegment)) throw invalidKey(key)
}

/**
 * Throws FILE_KEY_INVALID unless `prefix` is empty or the start of a valid key: complete segments (those before the
 * last `/`) follow the key rule, and the trailing part uses only key characters.
 */
export function assertValidPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || prefix.length > maxKeyLength) throw invalidKey(prefix)
  const segments = prefix.split('/')
  const partial = segments.pop() ?? ''
  if (!segments.every(isKeySegment) || !(partial === '' || segmentPattern.test(partial)))
    throw invalidKey(prefix)
}

/** The folder part of a valid prefix: `a/b/c` → `a/b/`, `a/b/` → `a/b/`, `a` → ``. */
export function folderOfPrefix(prefix: string): string {
  return prefix.slice(0, prefix.lastIndexOf('/') + 1)
}

export function invalidKey(key: unknown): PlatformError {
  const text = typeof key === 'string' ? key : String(key)
  const shown = text.length > shownKeyLength ? `${text.slice(0, shownKeyLength)}…` : text
  return storageErrors.FILE_KEY_INVALID({ key: shown })
}
