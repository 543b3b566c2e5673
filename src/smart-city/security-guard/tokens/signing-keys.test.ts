import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint, compactVerify, CompactSign, exportJWK, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase } from '../../../adapters/postgres/sql-database.js'
import { createSqliteDatabase } from '../../../adapters/sqlite/sql-database.js'
import { createManualClock } from '../../../kernel/clock.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import { freshPostgresSchema, realPostgresUrl } from '../../../../test/support/real-servers.js'
import { loadSigningKeyRing, signingKeysMigration, type SigningKeyRing } from './signing-keys.js'

const clock = createManualClock()

async function migrated(database: SqlDatabase): Promise<SqlDatabase> {
  await database.migrate([signingKeysMigration])
  return database
}

async function storedKids(database: SqlDatabase): Promise<string[]> {
  const rows = await database.db.selectFrom('sg_signing_keys').select('kid').execute()
  return rows.map((row: { kid: string }) => row.kid)
}

async function signsAndVerifies(ring: SigningKeyRing): Promise<void> {
  const jws = await new CompactSign(new TextEncoder().encode('hello'))
    .setProtectedHeader({ alg: ring.current.alg, kid: ring.current.kid })
    .sign(ring.current.privateKey)
  const { payload } = await compactVerify(jws, ring.publicKey(ring.current.kid)!, {
    algorithms: [ring.current.alg],
  })
  expect(new TextDecoder().decode(payload)).toBe('hello')
}

/** Several loaders on two handles of one empty database must all end with the one key that won. */
async function expectOneWinner(first: SqlDatabase, second: SqlDatabase): Promise<void> {
  const rings = await Promise.all(
    [first, second, first, second].map((database) => loadSigningKeyRing({ database, clock })),
  )
  const kids = new Set(rings.map((ring) => ring.current.kid))
  expect(kids.size).toBe(1)
  expect(await storedKids(first)).toEqual([...kids])
  for (const ring of rings) await signsAndVerifies(ring)
}

describe('signing keys kept in the database', () => {
  let database: SqlDatabase
  beforeAll(async () => {
    database = await migrated(await createSqliteDatabase({ url: 'sqlite::memory:' }))
  })
  afterAll(() => database.close())

  it('generates an Ed25519 key once and reuses it', async () => {
    const first = await loadSigningKeyRing({ database, clock })
    const second = await loadSigningKeyRing({ database, clock })
    expect(first.current.alg).toBe('EdDSA')
    expect(second.current.kid).toBe(first.current.kid)
    expect(await storedKids(database)).toEqual([first.current.kid])
    await signsAndVerifies(second)
  })

  it('publishes only public parts in jwks()', async () => {
    const ring = await loadSigningKeyRing({ database, clock })
    const { keys } = ring.jwks()
    expect(keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: ring.current.kid, alg: 'EdDSA', use: 'sig' },
    ])
    expect(keys[0]).not.toHaveProperty('d')
    expect(ring.publicKey('unknown')).toBeUndefined()
  })

  it('keeps verifying with a retired key after a rotation', async () => {
    const before = await loadSigningKeyRing({ database, clock })
    const jws = await new CompactSign(new TextEncoder().encode('old'))
      .setProtectedHeader({ alg: 'EdDSA', kid: before.current.kid })
      .sign(before.current.privateKey)
    const next = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const publicJwk = await exportJWK(next.publicKey)
    await database.transaction(async (trx) => {
      await trx
        .updateTable('sg_signing_keys')
        .set({ status: 'retired' })
        .where('status', '=', 'active')
        .execute()
      await trx
        .insertInto('sg_signing_keys')
        .values({
          kid: await calculateJwkThumbprint(publicJwk),
          alg: 'EdDSA',
          public_jwk: JSON.stringify(publicJwk),
          private_jwk: JSON.stringify(await exportJWK(next.privateKey)),
          created_at: clock.now() + 1,
          status: 'active',
        })
        .execute()
    })
    const after = await loadSigningKeyRing({ database, clock })
    expect(after.current.kid).not.toBe(before.current.kid)
    expect(after.jwks().keys.map((key) => key.kid)).toEqual([after.current.kid, before.current.kid])
    await expect(compactVerify(jws, after.publicKey(before.current.kid)!)).resolves.toBeDefined()
  })

  it('allows one active key only', async () => {
    const row = { alg: 'EdDSA', public_jwk: '{}', private_jwk: '{}', created_at: 0, status: 'active' }
    const insert = database.db
      .insertInto('sg_signing_keys')
      .values({ ...row, kid: 'second-active' })
      .execute()
    await expect(insert).rejects.toSatisfy((error) => database.classifyError(error) === 'unique_violation')
  })

  it('agrees on one key when loaders race on a SQLite file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'symphainy-keys-'))
    const url = `sqlite:${join(folder, 'db.sqlite')}`
    const first = await migrated(await createSqliteDatabase({ url }))
    const second = await createSqliteDatabase({ url })
    try {
      await expectOneWinner(first, second)
    } finally {
      await second.close()
      await first.close()
      await rm(folder, { recursive: true, force: true })
    }
  })
})

describe.skipIf(!realPostgresUrl)('signing keys on PostgreSQL', () => {
  it('agrees on one key when loaders race', async () => {
    const schema = freshPostgresSchema(realPostgresUrl!)
    const first = await migrated(await createPostgresDatabase({ url: schema.url, poolSize: 4 }))
    const second = await createPostgresDatabase({ url: schema.url, poolSize: 4 })
    try {
      await expectOneWinner(first, second)
      const again = await loadSigningKeyRing({ database: second, clock })
      expect(await storedKids(first)).toEqual([again.current.kid])
    } finally {
      await second.close()
      await first.close()
      await schema.drop()
    }
  })
})

describe('signing key from a PEM file', () => {
  let folder: string
  let database: SqlDatabase
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'symphainy-pem-'))
    database = await createSqliteDatabase({ url: 'sqlite::memory:' })
  })
  afterAll(async () => {
    await database.close()
    await rm(folder, { recursive: true, force: true })
  })

  async function keyFile(name: string, contents: string | Buffer): Promise<string> {
    const path = join(folder, name)
    await writeFile(path, contents)
    return path
  }

  const pkcs8 = (key: { export(options: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) =>
    key.export({ type: 'pkcs8', format: 'pem' })

  it.each([
    ['Ed25519', 'EdDSA', () => generateKeyPairSync('ed25519'), { kty: 'OKP', crv: 'Ed25519' }],
    [
      'P-256',
      'ES256',
      () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
      { kty: 'EC', crv: 'P-256' },
    ],
  ] as const)('uses a %s key as %s with a stable thumbprint kid', async (name, alg, generate, shape) => {
    const pair = generate()
    const path = await keyFile(`${name}.pem`, pkcs8(pair.privateKey))
    const first = await loadSigningKeyRing({ database, clock, privateKeyFile: path })
    const second = await loadSigningKeyRing({ database, clock, privateKeyFile: path })
    const expectedKid = await calculateJwkThumbprint(pair.publicKey.export({ format: 'jwk' }))
    expect(first.current).toMatchObject({ kid: expectedKid, alg })
    expect(second.current.kid).toBe(expectedKid)
    const [jwk] = first.jwks().keys
    expect(jwk).toMatchObject({ ...shape, kid: expectedKid, alg, use: 'sig' })
    expect(jwk).not.toHaveProperty('d')
    if (alg === 'ES256') expect(jwk?.y).toEqual(expect.any(String))
    await signsAndVerifies(first)
    await signsAndVerifies(second)
  })

  it('does not touch the database', async () => {
    const path = await keyFile('untouched.pem', pkcs8(generateKeyPairSync('ed25519').privateKey))
    await expect(loadSigningKeyRing({ database, clock, privateKeyFile: path })).resolves.toBeDefined()
  })

  const unusable: Array<[string, () => string | Buffer, RegExp]> = [
    ['an RSA key', () => pkcs8(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey), /RSA/],
    [
      'a P-384 key',
      () => pkcs8(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey),
      /secp384r1/,
    ],
    ['an HMAC secret', () => randomBytes(32).toString('hex'), /PKCS#8/],
    ['garbage bytes', () => randomBytes(300), /PKCS#8/],
    [
      'a broken PEM body',
      () => '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n',
      /PEM/,
    ],
    [
      'a SEC1 EC key',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
          type: 'sec1',
          format: 'pem',
        }),
      /openssl pkcs8/,
    ],
  ]

  it.each(unusable)('rejects %s with SIGNING_KEY_INVALID', async (name, contents, hint) => {
    const path = await keyFile(`${name.replaceAll(' ', '-')}.pem`, contents())
    const error = await loadSigningKeyRing({ database, clock, privateKeyFile: path }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'SIGNING_KEY_INVALID',
      details: { reason: expect.stringMatching(hint) },
    })
    expect((error as Error).message).toMatch(/openssl genpkey/)
  })

  it('rejects a missing file with SIGNING_KEY_INVALID', async () => {
    const path = join(folder, 'absent.pem')
    const error = await loadSigningKeyRing({ database, clock, privateKeyFile: path }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'SIGNING_KEY_INVALID',
      details: { reason: expect.stringMatching(/absent\.pem: cannot read the file \(ENOENT\)/) },
    })
  })
})
