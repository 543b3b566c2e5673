import { isUtf8 } from 'node:buffer'
import iconv from 'iconv-lite'
import { contentErrors } from '../errors.js'
import { decodeEbcdic } from './copybook/ebcdic.js'
import type { TextEncoding } from './types.js'

const encodingNames: Record<TextEncoding, string> = {
  'utf-8': 'utf-8',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
  latin1: 'latin1',
  cp1252: 'cp1252',
  ascii: 'ascii',
  ebcdic: 'cp037',
  cp037: 'cp037',
}

export function checkEncoding(encoding: string | undefined): TextEncoding | undefined {
  if (encoding === undefined) return undefined
  const normalised = encoding.toLowerCase().replace(/^utf8$/, 'utf-8')
  if (normalised in encodingNames) return normalised as TextEncoding
  throw contentErrors.PARSE_INVALID_OPTION({
    option: 'encoding',
    reason: `${encoding} is not one of ${Object.keys(encodingNames).join(', ')}`,
  })
}

/** Reads the whole input, for formats whose libraries need it in one piece (the upload limit bounds it). */
export async function readAll(bytes: AsyncIterable<Uint8Array>, fileName: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of bytes) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  const all = Buffer.concat(chunks)
  if (all.length === 0) throw contentErrors.PARSE_EMPTY_FILE({ fileName })
  return all
}

/** Decodes a whole text file: BOM first, then the declared encoding (UTF-8 by default, validated). */
export function decodeText(buffer: Buffer, requested: TextEncoding | undefined): string {
  const { encoding, bomLength } = encodingOf(buffer, requested)
  const body = buffer.subarray(bomLength)
  if (encoding === 'utf-8') {
    if (!isUtf8(body)) throw invalidEncoding(bomLength + firstInvalidUtf8(body), 'UTF-8')
    return body.toString('utf8')
  }
  if (encoding === 'ascii') {
    const bad = body.findIndex((byte) => byte > 0x7f)
    if (bad >= 0) throw invalidEncoding(bomLength + bad, 'ASCII')
    return body.toString('latin1')
  }
  if (encoding === 'ebcdic' || encoding === 'cp037') return decodeEbcdic(body)
  return iconv.decode(body, encodingNames[encoding])
}

function encodingOf(
  head: Buffer,
  requested: TextEncoding | undefined,
): { encoding: TextEncoding; bomLength: number } {
  const bom = bomOf(head)
  if (bom && (requested === undefined || requested === bom.encoding)) return bom
  return { encoding: requested ?? 'utf-8', bomLength: 0 }
}

function bomOf(head: Buffer): { encoding: TextEncoding; bomLength: number } | undefined {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 }
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 }
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 }
  return undefined
}

function invalidEncoding(position: number, encoding: string) {
  return contentErrors.PARSE_INVALID_ENCODING({ position, encoding })
}

/**
 * The input as validated UTF-8 chunks, whatever its encoding: a BOM is honoured and dropped, UTF-8 is checked
 * (a multi-byte character split across chunks is carried over), other encodings are transcoded. Throws
 * PARSE_EMPTY_FILE for no bytes and PARSE_INVALID_ENCODING with the byte offset of the first bad sequence.
 */
export async function* utf8Chunks(
  bytes: AsyncIterable<Uint8Array>,
  requested: TextEncoding | undefined,
  fileName: string,
): AsyncGenerator<Buffer> {
  const iterator = bytes[Symbol.asyncIterator]()
  let head = Buffer.alloc(0)
  let done = false
  while (head.length < 3 && !done) {
    const next = await iterator.next()
    if (next.done) done = true
    else head = Buffer.concat([head, next.value])
  }
  if (head.length === 0) throw contentErrors.PARSE_EMPTY_FILE({ fileName })
  const { encoding, bomLength } = encodingOf(head, requested)
  const transcode = transcoder(encoding)
  let offset = bomLength
  let carry: Buffer | undefined
  const accept = (chunk: Buffer): Buffer | undefined => {
    if (transcode) {
      const text = transcode(chunk, offset)
      offset += chunk.length
      return text.length > 0 ? Buffer.from(text, 'utf8') : undefined
    }
    const joined = carry ? Buffer.concat([carry, chunk]) : chunk
    const start = offset - (carry?.length ?? 0)
    const complete = completeUtf8Length(joined)
    const body = joined.subarray(0, complete)
    if (!isUtf8(body)) throw invalidEncoding(start + firstInvalidUtf8(body), 'UTF-8')
    carry = complete < joined.length ? Buffer.from(joined.subarray(complete)) : undefined
    offset += chunk.length
    return body.length > 0 ? body : undefined
  }
  try {
    const first = accept(head.subarray(bomLength))
    if (first) yield first
    while (!done) {
      const next = await iterator.next()
      if (next.done) {
        done = true
        break
      }
      const out = accept(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength))
      if (out) yield out
    }
    if (carry) throw invalidEncoding(offset - carry.length, 'UTF-8')
  } finally {
    if (!done) await iterator.return?.()
  }
}

type Transcode = (chunk: Buffer, offset: number) => string

function transcoder(encoding: TextEncoding): Transcode | undefined {
  if (encoding === 'utf-8') return undefined
  if (encoding === 'ascii')
    return (chunk, offset) => {
      const bad = chunk.findIndex((byte) => byte > 0x7f)
      if (bad >= 0) throw invalidEncoding(offset + bad, 'ASCII')
      return chunk.toString('latin1')
    }
  if (encoding === 'ebcdic' || encoding === 'cp037') return (chunk) => decodeEbcdic(chunk)
  const decoder = iconv.getDecoder(encodingNames[encoding])
  return (chunk) => decoder.write(chunk)
}

/**
 * How many leading bytes of `buffer` end on a character boundary (a trailing incomplete sequence is left
 * out).
 */
function completeUtf8Length(buffer: Buffer): number {
  const length = buffer.length
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = buffer[length - back] ?? 0
    if (byte < 0x80) return length
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2
      return needed > back ? length - back : length
    }
  }
  return length
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (only called once validation failed). */
export function firstInvalidUtf8(buffer: Uint8Array): number {
  let i = 0
  while (i < buffer.length) {
    const byte = buffer[i] ?? 0
    const width = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : 4
    if (byte >= 0x80 && (byte < 0xc2 || byte > 0xf4)) return i
    if (!isUtf8(buffer.subarray(i, i + width))) return i
    i += width
  }
  return buffer.length
}
