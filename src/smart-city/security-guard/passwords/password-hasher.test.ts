import type * as Crypto from 'node:crypto'
import { randomBytes, scryptSync } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { createPasswordHasher } from './password-hasher.js'

type ScryptArgs = [
  Crypto.BinaryLike,
  Crypto.BinaryLike,
  number,
  Crypto.ScryptOptions,
  (error: Error | null, key: Buffer) => void,
]

/** Every scrypt call the hasher makes, recorded by a pass-through mock, so costs can be compared exactly. */
const derivations = vi.hoisted(() => [] as Record<string, number | undefined>[])

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof Crypto>()
  const scrypt = (...args: ScryptArgs): void => {
    const [, salt, keyBytes, options] = args
    const saltBytes = typeof salt === 'string' ? undefined : salt.byteLength
    derivations.push({ N: options.N, r: options.r, p: options.p, saltBytes, keyBytes })
    actual.scrypt(...args)
  }
  return { ...actual, scrypt }
})

const fast = { logN: 10, concurrency: 2, queueLimit: 64 }

function fields(stored: string): string[] {
  return stored.split('$')
}

function withField(stored: string, index: number, value: string): string {
  const parts = fields(stored)
  parts[index] = value
  return parts.join('$')
}

describe('password hasher: storage format and verification', () => {
  it('round-trips a password and rejects a wrong one', async () => {
    const hasher = createPasswordHasher(fast)
    const stored = await hasher.hash('correct horse battery staple')
    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true)
    await expect(hasher.verify('correct horse battery stapl', stored)).resolves.toBe(false)
    await expect(hasher.verify('Correct horse battery staple', stored)).resolves.toBe(false)
    await expect(hasher.verify('', stored)).resolves.toBe(false)
  })

  it('salts every hash', async () => {
    const hasher = createPasswordHasher(fast)
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')])
    expect(a).not.toBe(b)
    expect(fields(a)[4]).not.toBe(fields(b)[4])
    await expect(hasher.verify('same password', a)).resolves.toBe(true)
    await expect(hasher.verify('same password', b)).resolves.toBe(true)
  })

  it('stores its parameters with a 16-byte salt and a 32-byte key', async () => {
    const stored = await createPasswordHasher({ ...fast, logN: 11 }).hash('pw')
    const [name, logN, r, p, salt, key, ...rest] = fields(stored)
    expect([name, logN, r, p]).toEqual(['scrypt', '11', '8', '1'])
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16)
    expect(Buffer.from(key!, 'base64')).toHaveLength(32)
    expect(rest).toEqual([])
  })

  it('verifies with the parameters stored in the hash, not the configured ones', async () => {
    const stored = await createPasswordHasher({ ...fast, logN: 12 }).hash('older cost')
    const current = createPasswordHasher({ ...fast, logN: 10 })
    await expect(current.verify('older cost', stored)).resolves.toBe(true)
    await expect(current.verify('other', stored)).resolves.toBe(false)

    const salt = randomBytes(24)
    const key = scryptSync('other shape', salt, 64, { N: 2 ** 10, r: 4, p: 2 })
    const foreign = `scrypt$10$4$2$${salt.toString('base64')}$${key.toString('base64')}`
    await expect(current.verify('other shape', foreign)).resolves.toBe(true)
    await expect(current.verify('other shapE', foreign)).resolves.toBe(false)
  })

  it('treats NFC and NFD forms of a password as the same password', async () => {
    const hasher = createPasswordHasher(fast)
    const nfc = 'Caf\u00e9 \uD55C\uAE00 \u00c5ngstr\u00f6m'
    const nfd = nfc.normalize('NFD')
    expect(nfd).not.toBe(nfc)
    await expect(hasher.verify(nfd, await hasher.hash(nfc))).resolves.toBe(true)
    await expect(hasher.verify(nfc, await hasher.hash(nfd))).resolves.toBe(true)
  })

  it('answers false, without throwing, when the stored key length differs from a fresh key', async () => {
    const hasher = createPasswordHasher(fast)
    const stored = await hasher.hash('pw')
    for (const bytes of [16, 31, 33, 64]) {
      const other = withField(stored, 5, randomBytes(bytes).toString('base64'))
      await expect(hasher.verify('pw', other)).resolves.toBe(false)
    }
  })
})

describe('password hasher: untrusted stored hashes', () => {
  it('answers false without deriving for malformed stored hashes', async () => {
    const hasher = createPasswordHasher(fast)
    const good = await hasher.hash('pw')
    const before = hasher.stats().hashesComputed
    const malformed = [
      '',
      'pw',
      'garbage',
      good.slice(0, -1),
      `${good}$`,
      `${good}x`,
      ` ${good}`,
      good.replace('scrypt$', 'SCRYPT$'),
      good.replace('scrypt$', 'bcrypt$'),
      withField(good, 1, '010'),
      withField(good, 1, '+10'),
      withField(good, 1, '1e1'),
      withField(good, 1, ''),
      withField(good, 2, '08'),
      withField(good, 3, '-1'),
      withField(good, 4, 'not base64!'),
      withField(good, 4, fields(good)[4]!.replace(/=+$/, '')),
      withField(good, 5, '@@@@'),
      `${good}$extra`,
      `scrypt$10$8$1$${'A'.repeat(400)}$${fields(good)[5]!}`,
    ]
    for (const stored of malformed) await expect(hasher.verify('pw', stored)).resolves.toBe(false)
    expect(hasher.stats().hashesComputed).toBe(before)
  })

  it('refuses stored parameters outside the bounds, so a crafted hash cannot exhaust memory or CPU', async () => {
    const hasher = createPasswordHasher(fast)
    const good = await hasher.hash('pw')
    const before = hasher.stats().hashesComputed
    const outOfBounds = [
      withField(good, 1, '9'),
      withField(good, 1, '21'),
      withField(good, 1, '40'),
      withField(good, 2, '17'),
      withField(good, 3, '5'),
      withField(good, 4, randomBytes(7).toString('base64')),
      withField(good, 4, randomBytes(65).toString('base64')),
      withField(good, 5, randomBytes(15).toString('base64')),
      withField(good, 5, randomBytes(65).toString('base64')),
      // Each field in range, but together dearer than the dearest hash ever written (logN 20, r 8, p 1).
      withField(withField(good, 1, '20'), 2, '16'),
      withField(withField(good, 1, '20'), 3, '4'),
      withField(withField(withField(good, 1, '19'), 2, '16'), 3, '2'),
    ]
    for (const stored of outOfBounds) await expect(hasher.verify('pw', stored)).resolves.toBe(false)
    expect(hasher.stats().hashesComputed).toBe(before)
  })

  it('rejects invalid options', () => {
    expect(() => createPasswordHasher({ ...fast, logN: 9 })).toThrow(RangeError)
    expect(() => createPasswordHasher({ ...fast, logN: 21 })).toThrow(RangeError)
    expect(() => createPasswordHasher({ ...fast, logN: 12.5 })).toThrow(RangeError)
    expect(() => createPasswordHasher({ ...fast, concurrency: 0 })).toThrow(RangeError)
    expect(() => createPasswordHasher({ ...fast, queueLimit: -1 })).toThrow(RangeError)
  })
})

describe('password hasher: bounded concurrency', () => {
  it('never runs more derivations at once than configured', async () => {
    const hasher = createPasswordHasher({ logN: 11, concurrency: 2, queueLimit: 18 })
    const stored = await hasher.hash('pw')
    const seen: { running: number; queued: number }[] = []
    const sample = (): void => {
      seen.push(hasher.stats())
    }
    const timer = setInterval(sample, 1)
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        hasher.verify('pw', stored).then((ok) => {
          sample()
          return ok
        }),
      ),
    )
    clearInterval(timer)
    expect(results).toEqual(Array.from({ length: 20 }, () => true))
    expect(seen.length).toBeGreaterThanOrEqual(20)
    expect(Math.max(...seen.map((s) => s.running))).toBe(2)
    expect(Math.max(...seen.map((s) => s.running + s.queued))).toBeLessThanOrEqual(20)
    expect(hasher.stats()).toEqual({ running: 0, queued: 0, hashesComputed: 21 })
  })

  it('queues first in, first out', async () => {
    const hasher = createPasswordHasher({ ...fast, concurrency: 1 })
    const stored = await hasher.hash('pw')
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => hasher.verify('pw', stored).then(() => order.push(i))),
    )
    expect(order).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('rejects with AUTH_BUSY at once when the queue is full, while earlier calls still complete', async () => {
    const hasher = createPasswordHasher({ logN: 11, concurrency: 1, queueLimit: 2 })
    const stored = await hasher.hash('pw')
    const ok = hasher.verify('pw', stored)
    const wrong = hasher.verify('wrong', stored)
    const rehashed = hasher.hash('pw')
    expect(hasher.stats()).toMatchObject({ running: 1, queued: 2 })
    const busy = await Promise.allSettled([
      hasher.verify('pw', stored),
      hasher.hash('pw'),
      hasher.verifyDummy('pw'),
    ])
    for (const outcome of busy) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: 'AUTH_BUSY',
        kind: 'unavailable',
        retryable: true,
      })
    }
    expect(hasher.stats()).toEqual({ running: 1, queued: 2, hashesComputed: 2 })
    expect(await Promise.all([ok, wrong])).toEqual([true, false])
    await expect(hasher.verify('pw', await rehashed)).resolves.toBe(true)
    expect(hasher.stats()).toEqual({ running: 0, queued: 0, hashesComputed: 5 })
  })

  it('lets nobody wait with a queue limit of 0, and recovers once the slot frees', async () => {
    const hasher = createPasswordHasher({ ...fast, concurrency: 1, queueLimit: 0 })
    const first = hasher.hash('pw')
    await expect(hasher.hash('pw')).rejects.toMatchObject({ code: 'AUTH_BUSY' })
    await expect(hasher.verify('pw', await first)).resolves.toBe(true)
    expect(hasher.stats().hashesComputed).toBe(2)
  })
})

describe('password hasher: dummy verification for unknown users', () => {
  it('answers false and runs exactly one derivation per call, the first included', async () => {
    const hasher = createPasswordHasher(fast)
    expect(hasher.stats().hashesComputed).toBe(0)
    await expect(hasher.verifyDummy('anything')).resolves.toBe(false)
    expect(hasher.stats().hashesComputed).toBe(1)
    await expect(hasher.verifyDummy('')).resolves.toBe(false)
    expect(hasher.stats().hashesComputed).toBe(2)
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => hasher.verifyDummy('x')))
    expect(concurrent).toEqual([false, false, false, false, false])
    expect(hasher.stats()).toEqual({ running: 0, queued: 0, hashesComputed: 7 })
  })

  it('runs the same derivation as a real verify of a hash made at the configured cost', async () => {
    const hasher = createPasswordHasher({ ...fast, logN: 12 })
    const stored = await hasher.hash('pw')
    derivations.length = 0
    await hasher.verify('wrong', stored)
    await hasher.verifyDummy('wrong')
    expect(derivations).toHaveLength(2)
    expect(derivations[1]).toEqual(derivations[0])
    expect(derivations[0]).toMatchObject({ N: 2 ** 12, r: 8, p: 1, saltBytes: 16, keyBytes: 32 })
  })
})

describe('password hasher: production cost', () => {
  it('hashes at logN 17 (which the default maxmem would refuse)', async () => {
    const stored = await createPasswordHasher({ logN: 17, concurrency: 1, queueLimit: 0 }).hash('pw')
    expect(stored).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/)
  })
})
