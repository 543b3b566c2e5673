import type { Readable } from 'node:stream'

/**
 * Streaming blob storage under one root, addressed by keys like `tenants/ten_x/files/fil_y`.
 *
 * Contract:
 * - A key is 1–512 characters of `[A-Za-z0-9._-]` segments joined by `/`; no empty, `.` or `..` segment, no leading
 *   or trailing `/`. Anything else fails with FILE_KEY_INVALID, so a key can never escape the root.
 * - `put` streams the body; the object becomes visible whole or not at all (a failed stream leaves nothing and
 *   the previous object, if any, untouched). It answers the size and SHA-256 (hex) of what was written, unless
 *   `checksum: false` (for callers that never read it). `maxBytes` aborts with FILE_TOO_LARGE as soon as the
 *   stream passes it.
 * - `get` returns a stream; an absent key fails with FILE_NOT_FOUND before any byte is read.
 * - `list` answers keys under a prefix in lexicographic order, paginated by an opaque cursor.
 * Left out: metadata beyond size (callers keep it in SQL), range reads, multipart upload sessions.
 */
export interface FileStore {
  put(key: string, body: Readable | Uint8Array | string, options?: PutOptions): Promise<StoredFile>
  get(key: string): Promise<Readable>
  stat(key: string): Promise<StoredFile | null>
  delete(key: string): Promise<boolean>
  list(prefix: string, options?: { limit?: number; cursor?: string }): Promise<FileListPage>
  ping(): Promise<void>
  close(): Promise<void>
}

export interface PutOptions {
  maxBytes?: number
  /** `false` skips the SHA-256 (then absent from the answer); default true. */
  checksum?: boolean
}

export interface StoredFile {
  key: string
  size: number
  /** Present on `put` (unless `checksum: false`); `stat` and `list` may omit it when the store does not keep it. */
  sha256?: string
}

export interface FileListPage {
  items: StoredFile[]
  nextCursor: string | null
}
