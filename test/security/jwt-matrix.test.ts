import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type CryptoKey,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
  base64url,
  calculateJwkThumbprint,
  decodeJwt,
  importPKCS8,
} from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'
import { expectUnauthorized, me } from './auth-helpers.js'

/**
 * M3 (OWASP API2, ASVS 9.x): every malformed, forged, mis-addressed or mistimed access token answers 401 with a
 * `WWW-Authenticate` challenge. The node signs with a key file this suite generated, so the suite holds the real
 * signing key and can make tokens that are wrong in exactly one way; a control token made the same way is accepted.
 */
const ttlSeconds = 900

describeOnProfiles('JWT verification matrix', (profile) => {
  const clock = createManualClock(Date.now())
  const dir = mkdtempSync(join(tmpdir(), 'sg-jwt-'))
  const keyFile = join(dir, 'jwt-ed25519.pem')
  const { privateKey } = generateKeyPairSync('ed25519')
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK

  let platform: Platform
  let account: Account
  let signingKey: CryptoKey
  let kid: string
  let claims: JWTPayload
  let listener: Server
  let listenerConnections = 0

  beforeAll(async () => {
    platform = await profile.startNode(
      { SYMPHAINY_JWT_PRIVATE_KEY_FILE: keyFile, SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: String(ttlSeconds) },
      { clock },
    )
    account = await signUp(platform.gateway)
    signingKey = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'EdDSA')
    const jwks = await platform.gateway.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    const keys = jwks.json<{ keys: (JWK & { kid: string })[] }>().keys
    expect(keys).toHaveLength(1)
    kid = keys[0]!.kid
    // The published key is the one from our file, and it is public only.
    expect(kid).toBe(await calculateJwkThumbprint(publicJwk))
    expect(keys[0]).toEqual({ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' })
    claims = decodeJwt(account.accessToken)
    listener = createServer((_request, response) => response.end('{"keys":[]}'))
    listener.on('connection', () => (listenerConnections += 1))
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  })

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  const now = () => Math.floor(clock.now() / 1000)

  /** The claims of the real token, re-timed to now, with `changes` applied (undefined removes a claim). */
  function payload(changes: Record<string, unknown> = {}): JWTPayload {
    const merged: Record<string, unknown> = { ...claims, iat: now(), nbf: now(), exp: now() + 60, ...changes }
    for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name]
    return merged
  }

  /** Signs with the server's real key; the header is `{alg: EdDSA, kid, typ: at+jwt}` with `changes` applied. */
  function sign(
    changes: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key = signingKey,
  ) {
    const protectedHeader: Record<string, unknown> = { alg: 'EdDSA', kid, typ: 'at+jwt', ...header }
    for (const [name, value] of Object.entries(protectedHeader))
      if (value === undefined) delete protectedHeader[name]
    return new SignJWT(payload(changes)).setProtectedHeader(protectedHeader as { alg: string }).sign(key)
  }

  function hmacWith(secret: Uint8Array) {
    return new SignJWT(payload()).setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' }).sign(secret)
  }

  const encoder = new TextEncoder()
  const segment = (value: object) => base64url.encode(JSON.stringify(value))

  it('accepts a control token made by the same forging code (so each rejection below has one cause)', async () => {
    const response = await me(platform.gateway, await sign())
    expect(response.statusCode, response.body).toBe(200)
    expect(response.json<{ user: { id: string } }>().user.id).toBe(account.userId)
    expect((await me(platform.gateway, account.accessToken)).statusCode).toBe(200)
  })

  it('refuses a request with no credentials, or with a non-Bearer scheme, as AUTH_REQUIRED', async () => {
    const { gateway } = platform
    expectUnauthorized(await gateway.inject({ method: 'GET', url: '/api/v1/auth/me' }), 'AUTH_REQUIRED')
    for (const authorization of [
      '',
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNzd29yZA==',
      account.accessToken,
    ]) {
      const response = await gateway.inject({
        method: 'GET',
        url: '/api/v1/auth/me',
        headers: { authorization },
      })
      expectUnauthorized(response, 'AUTH_REQUIRED')
    }
  })

  const cases: { name: string; reason: string; token: () => Promise<string> | string }[] = [
    { name: 'garbage', reason: 'malformed', token: () => 'garbage' },
    { name: 'three garbage segments', reason: 'malformed', token: () => 'aaa.bbb.ccc' },
    {
      name: 'a refresh token used as an access token',
      reason: 'malformed',
      token: () => account.refreshToken,
    },
    {
      name: 'alg:none with our kid and typ, empty signature',
      reason: 'algorithm',
      token: () => `${segment({ alg: 'none', kid, typ: 'at+jwt' })}.${segment(payload())}.`,
    },
    {
      name: 'alg:none from jose UnsecuredJWT',
      reason: 'algorithm',
      token: () => new UnsecuredJWT(payload()).encode(),
    },
    {
      name: 'HS256 keyed with the raw public key bytes (x of the JWKS)',
      reason: 'algorithm',
      token: () => hmacWith(base64url.decode(publicJwk.x!)),
    },
    {
      name: 'HS256 keyed with the public key PEM',
      reason: 'algorithm',
      token: () =>
        hmacWith(
          encoder.encode(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()),
        ),
    },
    {
      name: 'HS256 keyed with the JWKS entry as JSON',
      reason: 'algorithm',
      token: () => hmacWith(encoder.encode(JSON.stringify({ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }))),
    },
    {
      name: 'a real token with its signature stripped',
      reason: 'signature',
      token: () => `${account.accessToken.split('.').slice(0, 2).join('.')}.`,
    },
    {
      name: 'a real token whose claims were edited after signing (tid switched)',
      reason: 'signature',
      token: () => {
        const [header, , signature] = account.accessToken.split('.') as [string, string, string]
        return `${header}.${segment({ ...claims, tid: 'ten_someone_else' })}.${signature}`
      },
    },
    { name: 'an unknown kid', reason: 'kid', token: () => sign({}, { kid: 'not-our-key' }) },
    { name: 'no kid', reason: 'kid', token: () => sign({}, { kid: undefined }) },
    {
      name: 'another Ed25519 key presenting our kid',
      reason: 'signature',
      token: async () => {
        const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })
        return sign({}, {}, await importPKCS8(other.toString(), 'EdDSA'))
      },
    },
    {
      name: 'an attacker key embedded in the header (jwk)',
      reason: 'malformed',
      token: () => {
        const attacker = generateKeyPairSync('ed25519')
        const jwk = createPublicKey(attacker.privateKey).export({ format: 'jwk' })
        return sign({}, { jwk })
      },
    },
    {
      name: 'a jku header pointing to a local listener',
      reason: 'malformed',
      token: () => {
        const { port } = listener.address() as AddressInfo
        return sign({}, { jku: `http://127.0.0.1:${port}/jwks.json` })
      },
    },
    { name: 'a wrong iss', reason: 'issuer', token: () => sign({ iss: 'https://evil.example' }) },
    { name: 'no iss', reason: 'issuer', token: () => sign({ iss: undefined }) },
    { name: 'a wrong aud', reason: 'audience', token: () => sign({ aud: 'another-api' }) },
    {
      name: 'our aud among others',
      reason: 'audience',
      token: () => sign({ aud: [claims.aud, 'another-api'] }),
    },
    { name: 'typ JWT', reason: 'type', token: () => sign({}, { typ: 'JWT' }) },
    { name: 'no typ', reason: 'type', token: () => sign({}, { typ: undefined }) },
    {
      name: 'expired beyond the tolerance',
      reason: 'expired',
      token: () => sign({ iat: now() - 120, nbf: now() - 120, exp: now() - 60 }),
    },
    { name: 'nbf in the future', reason: 'not_yet_valid', token: () => sign({ nbf: now() + 60 }) },
    { name: 'iat in the future', reason: 'not_yet_valid', token: () => sign({ iat: now() + 60 }) },
    {
      name: 'issued longer ago than the access-token lifetime (exp stretched)',
      reason: 'expired',
      token: () => sign({ iat: now() - ttlSeconds - 60, nbf: now() - ttlSeconds - 60, exp: now() + 600 }),
    },
    { name: 'no sid', reason: 'claims', token: () => sign({ sid: undefined }) },
    { name: 'roles that are not a list', reason: 'claims', token: () => sign({ roles: 'admin' }) },
  ]

  it.each(cases)('refuses $name as INVALID_TOKEN ($reason)', async ({ reason, token }) => {
    expectUnauthorized(await me(platform.gateway, await token()), 'INVALID_TOKEN', reason)
  })

  it('never fetched a key from a jku URL', () => {
    expect(listenerConnections).toBe(0)
  })

  it('refuses a real token once the clock passes its expiry plus the tolerance, and not before', async () => {
    const fresh = await signUp(platform.gateway)
    clock.advance((ttlSeconds + 4) * 1000)
    expect((await me(platform.gateway, fresh.accessToken)).statusCode).toBe(200)
    clock.advance(2000)
    expectUnauthorized(await me(platform.gateway, fresh.accessToken), 'INVALID_TOKEN', 'expired')
  })
})
