import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CompactSign, base64url, exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteDatabase } from '../../../adapters/sqlite/sql-database.js'
import { createManualClock } from '../../../kernel/clock.js'
import { createSequentialIdGenerator } from '../../../kernel/ids.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import { createAccessTokens, type AccessTokenClaims, type AccessTokens } from './access-tokens.js'
import { loadSigningKeyRing, signingKeysMigration, type SigningKeyRing } from './signing-keys.js'

const issuer = 'symphainy-test'
const audience = 'symphainy-api'
const ttlSeconds = 900
const claims: AccessTokenClaims = {
  sub: 'usr_1',
  tid: 'ten_1',
  sid: 'ses_1',
  ver: 3,
  roles: ['admin', 'viewer'],
}

const clock = createManualClock()
let database: SqlDatabase
let ring: SigningKeyRing
let tokens: AccessTokens
let attacker: { publicKey: CryptoKey; privateKey: CryptoKey }
let jkuServer: Server
let jkuUrl: string
let jkuConnections = 0

const tokensWith = (overrides: { issuer?: string; audience?: string }) =>
  createAccessTokens({
    keys: ring,
    clock,
    ids: createSequentialIdGenerator(),
    issuer,
    audience,
    ttlSeconds,
    ...overrides,
  })

const nowSeconds = () => Math.floor(clock.now() / 1000)

/** A payload as `issue` would write it, for hand-made tokens. */
function payload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowSeconds()
  return {
    iss: issuer,
    aud: audience,
    ...claims,
    iat,
    nbf: iat,
    exp: iat + ttlSeconds,
    jti: 'jti_x',
    ...overrides,
  }
}

function header(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: ring.current.alg, kid: ring.current.kid, typ: 'at+jwt', ...overrides }
}

/** Signs any header and payload; by default with the ring's own current key, so only the tampered part is wrong. */
async function sign(
  head: Record<string, unknown>,
  body: Record<string, unknown>,
  key: CryptoKey | Uint8Array = ring.current.privateKey,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader({ alg: ring.current.alg, ...head })
    .sign(key)
}

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value))
const decodeJson = (segment: string): unknown =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
const fakeSignature = () => base64url.encode(randomBytes(64))

beforeAll(async () => {
  database = await createSqliteDatabase({ url: 'sqlite::memory:' })
  await database.migrate([signingKeysMigration])
  ring = await loadSigningKeyRing({ database, clock })
  tokens = tokensWith({})
  attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  jkuServer = createServer((_request, response) => response.end(JSON.stringify(ring.jwks())))
  jkuServer.on('connection', () => (jkuConnections += 1))
  await new Promise<void>((resolve) => jkuServer.listen(0, '127.0.0.1', resolve))
  jkuUrl = `http://127.0.0.1:${(jkuServer.address() as AddressInfo).port}/jwks.json`
})

afterAll(async () => {
  await new Promise((resolve) => jkuServer.close(resolve))
  await database.close()
})

async function expectInvalid(token: string, reason: string): Promise<void> {
  const error = await tokens.verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toMatchObject({ code: 'INVALID_TOKEN', details: { reason } })
  expect((error as { details: unknown }).details).toEqual({ reason })
}

describe('access tokens', () => {
  it('round-trips every claim of a valid token', async () => {
    const { token, expiresAt } = await tokens.issue(claims)
    const iat = nowSeconds()
    expect(expiresAt).toBe((iat + ttlSeconds) * 1000)
    expect(await tokens.verify(token)).toEqual({
      ...claims,
      jti: expect.stringMatching(/^jti_/),
      iat,
      exp: iat + ttlSeconds,
    })
    const [head, body] = token.split('.').slice(0, 2).map(decodeJson)
    expect(head).toEqual({ alg: 'EdDSA', kid: ring.current.kid, typ: 'at+jwt' })
    expect(body).toMatchObject({ iss: issuer, aud: audience, nbf: iat })
  })

  it('accepts a token within the clock tolerance after exp, rejects it beyond', async () => {
    const { token } = await tokens.issue(claims)
    clock.advance((ttlSeconds + 4) * 1000)
    await expect(tokens.verify(token)).resolves.toMatchObject({ sub: claims.sub })
    clock.advance(2000)
    await expectInvalid(token, 'expired')
  })

  it('verifies ES256 tokens from a P-256 key file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'symphainy-at-'))
    try {
      const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      })
      await writeFile(join(folder, 'key.pem'), pem)
      const keys = await loadSigningKeyRing({ database, clock, privateKeyFile: join(folder, 'key.pem') })
      const es256 = createAccessTokens({
        keys,
        clock,
        ids: createSequentialIdGenerator(),
        issuer,
        audience,
        ttlSeconds,
      })
      const { token } = await es256.issue(claims)
      expect(decodeJson(token.split('.')[0]!)).toMatchObject({ alg: 'ES256' })
      await expect(es256.verify(token)).resolves.toMatchObject(claims)
      const error = await tokens.verify(token).catch((thrown: unknown) => thrown)
      expect(error).toMatchObject({ code: 'INVALID_TOKEN', details: { reason: 'algorithm' } })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('refuses to issue claims that would not verify', async () => {
    await expect(tokens.issue({ ...claims, ver: -1 })).rejects.toThrow(TypeError)
    await expect(tokens.issue({ ...claims, sub: '' })).rejects.toThrow(TypeError)
  })
})

describe('access token verification matrix', () => {
  const publicX = async () => base64url.decode((await exportJWK(ring.publicKey(ring.current.kid)!)).x!)
  const publicPem = async () => new TextEncoder().encode(await exportSPKI(ring.publicKey(ring.current.kid)!))

  const cases: Array<[string, () => Promise<string> | string, string]> = [
    ['garbage', () => 'not a token at all', 'malformed'],
    ['an empty string', () => '', 'malformed'],
    ['three garbage segments', () => 'abc.def.ghi', 'malformed'],
    [
      'an opaque refresh token',
      () => 'rt_0123456789abcdefghjkmnpqrs.0123456789abcdefghjkmnpqrstvwxyz',
      'malformed',
    ],
    ['alg none', () => `${encodeJson(header({ alg: 'none' }))}.${encodeJson(payload())}.`, 'algorithm'],
    [
      'alg none with a copied signature',
      async () => {
        const signature = (await tokens.issue(claims)).token.split('.')[2]!
        return `${encodeJson(header({ alg: 'none' }))}.${encodeJson(payload())}.${signature}`
      },
      'algorithm',
    ],
    [
      'HS256 keyed with the public key bytes',
      async () => sign(header({ alg: 'HS256' }), payload(), await publicX()),
      'algorithm',
    ],
    [
      'HS256 keyed with the public key PEM',
      async () => sign(header({ alg: 'HS256' }), payload(), await publicPem()),
      'algorithm',
    ],
    [
      'ES256 claimed for an EdDSA kid',
      () => `${encodeJson(header({ alg: 'ES256' }))}.${encodeJson(payload())}.${fakeSignature()}`,
      'algorithm',
    ],
    ['another key under our kid', () => sign(header(), payload(), attacker.privateKey), 'signature'],
    [
      'a tampered payload',
      async () => {
        const [head, , signature] = (await tokens.issue(claims)).token.split('.')
        return `${head}.${encodeJson(payload({ roles: ['admin', 'owner'] }))}.${signature}`
      },
      'signature',
    ],
    ['an unknown kid', () => sign(header({ kid: 'not-a-known-kid' }), payload(), attacker.privateKey), 'kid'],
    ['a missing kid', () => sign(header({ kid: undefined }), payload()), 'kid'],
    [
      'a wrong issuer',
      async () => (await tokensWith({ issuer: 'someone-else' }).issue(claims)).token,
      'issuer',
    ],
    ['a missing issuer', () => sign(header(), payload({ iss: undefined })), 'issuer'],
    [
      'a wrong audience',
      async () => (await tokensWith({ audience: 'other-api' }).issue(claims)).token,
      'audience',
    ],
    ['an audience list', () => sign(header(), payload({ aud: [audience, 'other-api'] })), 'audience'],
    ['typ JWT', () => sign(header({ typ: 'JWT' }), payload()), 'type'],
    ['a missing typ', () => sign(header({ typ: undefined }), payload()), 'type'],
    ['nbf beyond the tolerance', () => sign(header(), payload({ nbf: nowSeconds() + 60 })), 'not_yet_valid'],
    ['iat beyond the tolerance', () => sign(header(), payload({ iat: nowSeconds() + 60 })), 'not_yet_valid'],
    ['exp in the past', () => sign(header(), payload({ exp: nowSeconds() - 60 })), 'expired'],
    [
      'a lifetime longer than the ttl',
      () => sign(header(), payload({ iat: nowSeconds() - ttlSeconds - 60, exp: nowSeconds() + 60 })),
      'expired',
    ],
    ['roles not an array', () => sign(header(), payload({ roles: 'admin' })), 'claims'],
    ['roles with a non-string', () => sign(header(), payload({ roles: ['admin', 1] })), 'claims'],
    ['a negative ver', () => sign(header(), payload({ ver: -1 })), 'claims'],
    ['a fractional ver', () => sign(header(), payload({ ver: 1.5 })), 'claims'],
    ['a missing tid', () => sign(header(), payload({ tid: undefined })), 'claims'],
    ['a numeric sub', () => sign(header(), payload({ sub: 42 })), 'claims'],
    ['a missing jti', () => sign(header(), payload({ jti: undefined })), 'claims'],
    ['a string exp', () => sign(header(), payload({ exp: String(nowSeconds() + 60) })), 'claims'],
    [
      'a crit header',
      () =>
        `${encodeJson(header({ crit: ['x-policy'], 'x-policy': 1 }))}.${encodeJson(payload())}.${fakeSignature()}`,
      'malformed',
    ],
    [
      'a token over 8 KiB',
      () => sign(header(), payload({ roles: Array.from({ length: 600 }, (_, i) => `role-${i}-padding`) })),
      'malformed',
    ],
  ]

  it('accepts the hand-made baseline the cases tamper with', async () => {
    await expect(tokens.verify(await sign(header(), payload()))).resolves.toMatchObject(claims)
  })

  it.each(cases)('rejects %s', async (_name, make, reason) => {
    await expectInvalid(await make(), reason)
  })

  it('never follows jku, x5u or an embedded jwk', async () => {
    const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'attacker' }
    const forged = [
      await sign(header({ kid: 'attacker', jku: jkuUrl }), payload(), attacker.privateKey),
      await sign(header({ jku: jkuUrl }), payload()),
      await sign(header({ kid: 'attacker', x5u: jkuUrl }), payload(), attacker.privateKey),
      await sign(header({ kid: 'attacker', jwk: attackerJwk }), payload(), attacker.privateKey),
      await sign(header({ jwk: attackerJwk }), payload(), attacker.privateKey),
    ]
    for (const token of forged) await expectInvalid(token, 'malformed')
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(jkuConnections).toBe(0)
    // The listener works, so zero connections means none was attempted.
    await fetch(jkuUrl)
    expect(jkuConnections).toBe(1)
  })
})
