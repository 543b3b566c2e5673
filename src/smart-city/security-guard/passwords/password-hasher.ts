import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { securityErrors } from '../errors.js'

/**
 * Password hashing with scrypt (node:crypto, runs on the libuv pool). Stored hashes are self-describing:
 * `scrypt$<logN>$<r>$<p>$<salt base64>$<key base64>`, so the cost can be raised later without breaking old hashes.
 * All three operations share one bounded FIFO queue; when it is full they reject with AUTH_BUSY without hashing.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>
  /** False for a wrong password and for any stored hash that is malformed or outside the accepted bounds. */
  verify(password: string, stored: string): Promise<boolean>
  /**
   * Spends the same work as a real verify against a fixed dummy hash and answers false: for unknown users.
   * The dummy hash carries the configured logN and a random salt and key, made once per hasher without any
   * derivation, so every call runs exactly one derivation (the first one included).
   */
  verifyDummy(password: string): Promise<false>
  stats(): { running: number; queued: number; hashesComputed: number }
}

export interface PasswordHasherOptions {
  /** log2 of the scrypt cost N for new hashes, 10..20. */
  logN: number
  /** Derivations running at once; size it to the libuv pool (UV_THREADPOOL_SIZE, default 4) or below. */
  concurrency: number
  /** Calls that may wait for a slot; 0 means none wait. */
  queueLimit: number
}

interface ScryptParams {
  logN: number
  r: number
  p: number
  salt: Buffer
  key: Buffer
}

const prefix = 'scrypt'
const blockSize = 8
const parallelism = 1
const saltBytes = 16
const keyBytes = 32

const bounds = {
  logN: { min: 10, max: 20 },
  r: { min: 1, max: 16 },
  p: { min: 1, max: 4 },
  saltBytes: { min: 8, max: 64 },
  keyBytes: { min: 16, max: 64 },
} as const

/**
 * Stored hashes may not ask for more work than the dearest hash this module writes (logN 20, r 8, p 1: 1 GiB), so
 * the per-field bounds cannot combine into, say, logN 20 with r 16 (2 GiB) or p 4 (four times the CPU).
 */
const maxCost = 128 * 2 ** bounds.logN.max * blockSize * parallelism
/** OpenSSL needs 128·r·(N + p + 2) bytes; the default maxmem (32 MiB) already rejects N = 2^17. */
const maxmem = maxCost + 1024 * 1024

const maxStoredLength = 256
const storedPattern =
  /^scrypt\$([1-9][0-9]?)\$([1-9][0-9]?)\$([1-9])\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/

function within(value: number, range: { min: number; max: number }): boolean {
  return value >= range.min && value <= range.max
}

function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : undefined
}

function format(params: ScryptParams): string {
  const { logN, r, p, salt, key } = params
  return `${prefix}$${logN}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Undefined for anything malformed or out of bounds: stored hashes are never trusted to be sane. */
function parse(stored: string): ScryptParams | undefined {
  if (stored.length > maxStoredLength) return undefined
  const match = storedPattern.exec(stored)
  if (match === null) return undefined
  const [, logNText, rText, pText, saltText, keyText] = match
  const logN = Number(logNText)
  const r = Number(rText)
  const p = Number(pText)
  const salt = decodeBase64(saltText ?? '')
  const key = decodeBase64(keyText ?? '')
  if (salt === undefined || key === undefined) return undefined
  if (!within(logN, bounds.logN) || !within(r, bounds.r) || !within(p, bounds.p)) return undefined
  if (!within(salt.length, bounds.saltBytes) || !within(key.length, bounds.keyBytes)) return undefined
  if (128 * 2 ** logN * r * p > maxCost) return undefined
  return { logN, r, p, salt, key }
}

function derive(password: string, params: Omit<ScryptParams, 'key'>, length: number): Promise<Buffer> {
  const options = { N: 2 ** params.logN, r: params.r, p: params.p, maxmem }
  return new Promise((resolve, reject) => {
    scrypt(password, params.salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

function checkOptions(options: PasswordHasherOptions): void {
  const { logN, concurrency, queueLimit } = options
  if (!Number.isInteger(logN) || !within(logN, bounds.logN))
    throw new RangeError(`scrypt logN must be an integer in ${bounds.logN.min}..${bounds.logN.max}`)
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError('Hash concurrency must be a positive integer')
  if (!Number.isInteger(queueLimit) || queueLimit < 0)
    throw new RangeError('Hash queue limit must be a non-negative integer')
}

export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  checkOptions(options)
  const { logN, concurrency, queueLimit } = options
  const waiters: (() => void)[] = []
  let running = 0
  let hashesComputed = 0

  const dummy = format({
    logN,
    r: blockSize,
    p: parallelism,
    salt: randomBytes(saltBytes),
    key: randomBytes(keyBytes),
  })

  /** Resolves once a slot is held; a freed slot is handed straight to the oldest waiter, so order is FIFO. */
  function acquire(): Promise<void> {
    if (running < concurrency) {
      running += 1
      return Promise.resolve()
    }
    if (waiters.length >= queueLimit) return Promise.reject(securityErrors.AUTH_BUSY())
    return new Promise((resolve) => waiters.push(resolve))
  }

  function release(): void {
    const next = waiters.shift()
    if (next === undefined) running -= 1
    else next()
  }

  async function bounded(
    password: string,
    params: Omit<ScryptParams, 'key'>,
    length: number,
  ): Promise<Buffer> {
    await acquire()
    try {
      hashesComputed += 1
      return await derive(password.normalize('NFC'), params, length)
    } finally {
      release()
    }
  }

  async function check(password: string, stored: string): Promise<boolean> {
    const params = parse(stored)
    if (params === undefined) return false
    const candidate = await bounded(password, params, params.key.length)
    return candidate.length === params.key.length && timingSafeEqual(candidate, params.key)
  }

  return {
    async hash(password) {
      const params = { logN, r: blockSize, p: parallelism, salt: randomBytes(saltBytes) }
      const key = await bounded(password, params, keyBytes)
      return format({ ...params, key })
    },
    verify: check,
    async verifyDummy(password) {
      await check(password, dummy)
      return false
    },
    stats: () => ({ running, queued: waiters.length, hashesComputed }),
  }
}
