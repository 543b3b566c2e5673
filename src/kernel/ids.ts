import { randomBytes } from 'node:crypto'

/**
 * Ids are `<prefix>_<26 chars>`: 128 random bits in Crockford base32 (lower case), so they cannot be guessed or
 * enumerated. Prefixes name the record kind (`usr`, `ses`, `run`, …).
 */
export interface IdGenerator {
  next(prefix: string): string
}

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'
const prefixPattern = /^[a-z][a-z0-9]{1,11}$/

export function encodeBase32(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31]
  return out
}

function checkPrefix(prefix: string): void {
  if (!prefixPattern.test(prefix)) throw new RangeError(`Id prefix "${prefix}" must match ${prefixPattern}`)
}

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time and handed out 16 at a time: the same unguessable ids for a
 * 256th of the system calls (one per request id used to cost several percent of a busy gateway's CPU).
 */
export function createRandomIdGenerator(): IdGenerator {
  let pool = randomBytes(4096)
  let offset = 0
  return {
    next(prefix) {
      checkPrefix(prefix)
      if (offset + 16 > pool.length) {
        pool = randomBytes(4096)
        offset = 0
      }
      const id = `${prefix}_${encodeBase32(pool.subarray(offset, offset + 16))}`
      offset += 16
      return id
    },
  }
}

/** Deterministic ids for tests: `<prefix>_` + a zero-padded counter in the same alphabet and length. */
export function createSequentialIdGenerator(): IdGenerator {
  let counter = 0
  return {
    next(prefix) {
      checkPrefix(prefix)
      counter += 1
      return `${prefix}_${counter.toString(32).padStart(26, '0')}`
    },
  }
}

const idPattern = /^[a-z][a-z0-9]{1,11}_[0-9a-z]{26}$/

export function isWellFormedId(value: string, prefix?: string): boolean {
  return idPattern.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`))
}

/**
 * Ids that sort by creation time: 48 bits of epoch milliseconds, a 16-bit per-process sequence (so ids made in the
 * same millisecond keep their order), then 64 random bits. Same shape as random ids: `<prefix>_<26 chars>`.
 */
export function createTimeOrderedIdGenerator(now: () => number): IdGenerator {
  let lastMs = -1
  let sequence = 0
  let pool = randomBytes(4096)
  let offset = 0
  const bytes = Buffer.alloc(16)
  return {
    next(prefix) {
      checkPrefix(prefix)
      const ms = Math.max(now(), lastMs)
      sequence = ms === lastMs ? (sequence + 1) & 0xffff : 0
      lastMs = ms
      if (offset + 8 > pool.length) {
        pool = randomBytes(4096)
        offset = 0
      }
      bytes.writeUIntBE(ms, 0, 6)
      bytes.writeUInt16BE(sequence, 6)
      pool.copy(bytes, 8, offset, offset + 8)
      offset += 8
      return `${prefix}_${encodeBase32(bytes)}`
    },
  }
}
