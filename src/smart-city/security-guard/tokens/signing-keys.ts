import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { sql, type Kysely } from 'kysely'
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose'
import type { Clock } from '../../../kernel/clock.js'
import type { SqlDatabase, SqlMigration } from '../../../ports/sql-database.js'
import { securityErrors } from '../errors.js'

export type SigningAlgorithm = 'EdDSA' | 'ES256'

/** The public half of a signing key as published in a JWKS; never carries private parameters. */
export interface PublicSigningJwk {
  kty: string
  crv: string
  x: string
  y?: string
  kid: string
  alg: SigningAlgorithm
  use: 'sig'
}

/**
 * The keys access tokens are signed and verified with. `current` signs; every key in the ring (the current one and
 * retired ones kept after a rotation) verifies, looked up by kid. Keys come only from the configured file or the
 * database, never from a token.
 */
export interface SigningKeyRing {
  readonly current: { kid: string; alg: SigningAlgorithm; privateKey: CryptoKey }
  publicKey(kid: string): CryptoKey | undefined
  jwks(): { keys: PublicSigningJwk[] }
}

const table = 'sg_signing_keys'

interface SigningKeyTables {
  sg_signing_keys: {
    kid: string
    alg: string
    public_jwk: string
    private_jwk: string
    created_at: number
    status: string
  }
}

/** At most one row is `active` (a partial unique index), so concurrent first starts agree on one key. */
export const signingKeysMigration: SqlMigration = {
  name: '0002_security_guard_signing_keys',
  async up(db) {
    await db.schema
      .createTable(table)
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('private_jwk', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'retired')`))
      .execute()
    await db.schema
      .createIndex('sg_signing_keys_one_active')
      .on(table)
      .column('status')
      .unique()
      .where('status', '=', 'active')
      .execute()
  },
}

interface KeyEntry {
  kid: string
  alg: SigningAlgorithm
  publicJwk: PublicSigningJwk
  publicKey: CryptoKey
  privateKey: CryptoKey | undefined
}

/**
 * With `privateKeyFile` the ring holds that one key (kid = its RFC 7638 thumbprint, the same on every node).
 * Without it the keys live in `sg_signing_keys`: the first start generates an Ed25519 key; loaders racing on an
 * empty table all end up with the one key whose insert won.
 */
export async function loadSigningKeyRing(options: {
  database: SqlDatabase
  clock: Clock
  privateKeyFile?: string
}): Promise<SigningKeyRing> {
  const entries =
    options.privateKeyFile === undefined
      ? await loadStoredKeys(options.database, options.clock)
      : [await loadKeyFile(options.privateKeyFile)]
  return ringOf(entries)
}

function ringOf(entries: KeyEntry[]): SigningKeyRing {
  const active = entries.find((entry) => entry.privateKey !== undefined)
  if (active?.privateKey === undefined) throw new Error('The signing key ring has no active key')
  const byKid = new Map(entries.map((entry) => [entry.kid, entry]))
  return {
    current: Object.freeze({ kid: active.kid, alg: active.alg, privateKey: active.privateKey }),
    publicKey: (kid) => byKid.get(kid)?.publicKey,
    jwks: () => ({ keys: entries.map((entry) => ({ ...entry.publicJwk })) }),
  }
}

async function loadStoredKeys(database: SqlDatabase, clock: Clock): Promise<KeyEntry[]> {
  const db = database.db as Kysely<SigningKeyTables>
  const select = () => db.selectFrom(table).selectAll().orderBy('created_at', 'desc').orderBy('kid').execute()
  let rows = await select()
  if (!rows.some((row) => row.status === 'active')) {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const publicJwk = await exportJWK(publicKey)
    // A single statement, so no transaction is held open while another handle waits on the SQLite lock.
    await db
      .insertInto(table)
      .values({
        kid: await calculateJwkThumbprint(publicJwk),
        alg: 'EdDSA',
        public_jwk: JSON.stringify(publicJwk),
        private_jwk: JSON.stringify(await exportJWK(privateKey)),
        created_at: clock.now(),
        status: 'active',
      })
      .onConflict((conflict) => conflict.doNothing())
      .execute()
    rows = await select()
  }
  return Promise.all(rows.map(entryOfRow))
}

async function entryOfRow(row: SigningKeyTables['sg_signing_keys']): Promise<KeyEntry> {
  const broken = (what: string) =>
    securityErrors.SIGNING_KEY_INVALID({ reason: `stored key ${row.kid} in ${table} has ${what}` })
  if (row.alg !== 'EdDSA' && row.alg !== 'ES256') throw broken(`the unsupported algorithm ${row.alg}`)
  const alg: SigningAlgorithm = row.alg
  try {
    const publicJwk = publicJwkOf(JSON.parse(row.public_jwk) as JsonWebKey, row.kid, alg)
    const privateKey =
      row.status === 'active' ? await importKey(JSON.parse(row.private_jwk) as JWK, alg) : undefined
    return { kid: row.kid, alg, publicJwk, publicKey: await importKey(publicJwk, alg), privateKey }
  } catch {
    throw broken('an unreadable key')
  }
}

async function importKey(jwk: JWK, alg: SigningAlgorithm): Promise<CryptoKey> {
  const key = await importJWK(jwk, alg)
  if (key instanceof Uint8Array) throw new TypeError('A signing key must be asymmetric')
  return key
}

const fileHint = 'SYMPHAINY_JWT_PRIVATE_KEY_FILE must name a PKCS#8 PEM Ed25519 or P-256 private key'
const generateHint = 'create one with `openssl genpkey -algorithm ed25519 -out jwt.pem`'

async function loadKeyFile(path: string): Promise<KeyEntry> {
  const invalid = (problem: string) =>
    securityErrors.SIGNING_KEY_INVALID({ reason: `${path}: ${problem}; ${generateHint}` })
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw invalid(`cannot read the file (${typeof code === 'string' ? code : 'unreadable'}); ${fileHint}`)
  }
  if (!pem.includes('-----BEGIN PRIVATE KEY-----')) {
    throw invalid(
      'not an unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----); convert other PEM keys with `openssl pkcs8 -topk8 -nocrypt`',
    )
  }
  let keyObject: KeyObject
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw invalid(`the PEM block does not hold a readable private key; ${fileHint}`)
  }
  const alg = algorithmOfKeyObject(keyObject)
  if (typeof alg !== 'string') throw invalid(alg.problem)
  const exported = createPublicKey(keyObject).export({ format: 'jwk' })
  const kid = await calculateJwkThumbprint(exported)
  const publicJwk = publicJwkOf(exported, kid, alg)
  return {
    kid,
    alg,
    publicJwk,
    publicKey: await importKey(publicJwk, alg),
    privateKey: await importPKCS8(pem, alg),
  }
}

function algorithmOfKeyObject(key: KeyObject): SigningAlgorithm | { problem: string } {
  const type = key.asymmetricKeyType ?? 'unknown'
  if (type === 'ed25519') return 'EdDSA'
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown'
    if (curve === 'prime256v1') return 'ES256'
    return { problem: `the EC curve ${curve} is not supported, only P-256 (prime256v1) and Ed25519` }
  }
  return { problem: `${type.toUpperCase()} keys are not supported, only Ed25519 and P-256` }
}

function publicJwkOf(jwk: JsonWebKey, kid: string, alg: SigningAlgorithm): PublicSigningJwk {
  const { kty, crv, x, y } = jwk
  if (typeof kty !== 'string' || typeof crv !== 'string' || typeof x !== 'string') {
    throw new TypeError('A public signing JWK needs kty, crv and x')
  }
  return { kty, crv, x, ...(typeof y === 'string' ? { y } : {}), kid, alg, use: 'sig' }
}
