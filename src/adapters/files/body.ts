import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { storageErrors } from '../../ports/errors.js'
import type { PutOptions } from '../../ports/file-store.js'

export interface ConsumedBody {
  size: number
  sha256?: string
}

/**
 * Feeds `body` to `sink` chunk by chunk while counting and (unless `checksum` is false) hashing it. Passing
 * `maxBytes` throws FILE_TOO_LARGE before the offending chunk reaches the sink, and stops reading (destroying a
 * stream body).
 */
export async function consumeBody(
  body: Readable | Uint8Array | string,
  options: PutOptions | undefined,
  sink: (chunk: Uint8Array) => Promise<void> | void,
): Promise<ConsumedBody> {
  const maxBytes = options?.maxBytes
  const hash = options?.checksum === false ? undefined : createHash('sha256')
  let size = 0
  for await (const chunk of chunksOf(body)) {
    size += chunk.byteLength
    if (maxBytes !== undefined && size > maxBytes) throw storageErrors.FILE_TOO_LARGE({ maxBytes })
    hash?.update(chunk)
    await sink(chunk)
  }
  return hash ? { size, sha256: hash.digest('hex') } : { size }
}

async function* chunksOf(body: Readable | Uint8Array | string): AsyncGenerator<Uint8Array> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8')
  } else if (body instanceof Uint8Array) {
    yield body
  } else {
    for await (const chunk of body as AsyncIterable<unknown>) yield bytesOf(chunk)
  }
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  throw new TypeError('A file body stream must yield bytes or strings')
}
