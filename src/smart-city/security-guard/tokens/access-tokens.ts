import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWTPayload } from 'jose'
import type { Clock } from '../../../kernel/clock.js'
import type { IdGenerator } from '../../../kernel/ids.js'
import { securityErrors } from '../errors.js'
import type { SigningAlgorithm, SigningKeyRing } from './signing-keys.js'

export interface AccessTokenClaims {
  sub: string
  tid: string
  sid: string
  ver: number
  roles: string[]
}

export interface VerifiedAccessToken extends AccessTokenClaims {
  jti: string
  iat: number
  exp: number
}

export interface AccessTokens {
  issue(claims: AccessTokenClaims): Promise<{ token: string; expiresAt: number }>
  verify(token: string): Promise<VerifiedAccessToken>
}

/** The `reason` of every INVALID_TOKEN error: a stable word, never library detail. */
export type InvalidTokenReason =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'kid'
  | 'issuer'
  | 'audience'
  | 'type'
  | 'expired'
  | 'not_yet_valid'
  | 'claims'

const tokenType = 'at+jwt'
const maxTokenLength = 8 * 1024
const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/
// Our tokens carry only these; anything else (jku, x5u, jwk, x5c, crit, b64, …) means someone else made it.
const allowedHeaderNames = new Set(['alg', 'kid', 'typ'])
const requiredClaims = ['iss', 'aud', 'sub', 'tid', 'sid', 'ver', 'roles', 'iat', 'nbf', 'exp', 'jti']

/**
 * Short-lived access tokens (RFC 9068 style JWTs, `typ: at+jwt`) signed with the ring's current key. Times come
 * from the clock; `verify` checks structure, header, key, signature, issuer, audience, times (with
 * `clockToleranceSeconds`) and claim types, and fails with INVALID_TOKEN `{ reason }` and nothing else.
 * Keys are only ever looked up by kid in the ring.
 */
export function createAccessTokens(options: {
  keys: SigningKeyRing
  clock: Clock
  ids: IdGenerator
  issuer: string
  audience: string
  ttlSeconds: number
  clockToleranceSeconds?: number
}): AccessTokens {
  const { keys, clock, ids, issuer, audience, ttlSeconds } = options
  const clockTolerance = options.clockToleranceSeconds ?? 5

  return {
    async issue(claims) {
      if (!hasValidClaims(claims)) throw new TypeError('Access token claims have the wrong shape')
      const iat = Math.floor(clock.now() / 1000)
      const exp = iat + ttlSeconds
      const { kid, alg, privateKey } = keys.current
      const token = await new SignJWT({
        tid: claims.tid,
        sid: claims.sid,
        ver: claims.ver,
        roles: [...claims.roles],
      })
        .setProtectedHeader({ alg, kid, typ: tokenType })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(claims.sub)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(exp)
        .setJti(ids.next('jti'))
        .sign(privateKey)
      return { token, expiresAt: exp * 1000 }
    },

    async verify(token) {
      const { key, alg } = keyFor(token, keys)
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          issuer,
          audience,
          typ: tokenType,
          requiredClaims,
          currentDate: new Date(clock.now()),
          clockTolerance,
          maxTokenAge: ttlSeconds,
        }))
      } catch (error) {
        throw invalid(reasonOf(error))
      }
      if (payload.aud !== audience) throw invalid('audience')
      if (!hasValidClaims(payload)) throw invalid('claims')
      const { sub, tid, sid, ver, roles, jti, iat, exp } = payload
      if (typeof jti !== 'string' || jti === '' || !isWholeNumber(iat) || !isWholeNumber(exp)) {
        throw invalid('claims')
      }
      return { sub, tid, sid, ver, roles: [...roles], jti, iat, exp }
    },
  }
}

function invalid(reason: InvalidTokenReason) {
  return securityErrors.INVALID_TOKEN({ reason })
}

/** Checks everything decidable from the header before any cryptography, and picks the key by kid. */
function keyFor(token: string, keys: SigningKeyRing): { key: CryptoKey; alg: SigningAlgorithm } {
  if (typeof token !== 'string' || token.length > maxTokenLength || !compactJws.test(token)) {
    throw invalid('malformed')
  }
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(token)
  } catch {
    throw invalid('malformed')
  }
  if (Object.keys(header).some((name) => !allowedHeaderNames.has(name))) throw invalid('malformed')
  const published = keys.jwks().keys
  const { alg, kid, typ } = header
  if (typeof alg !== 'string' || !published.some((jwk) => jwk.alg === alg)) throw invalid('algorithm')
  if (typeof typ !== 'string' || typ.toLowerCase() !== tokenType) throw invalid('type')
  const jwk = typeof kid === 'string' ? published.find((candidate) => candidate.kid === kid) : undefined
  const key = jwk && keys.publicKey(jwk.kid)
  if (!jwk || !key) throw invalid('kid')
  if (jwk.alg !== alg) throw invalid('algorithm')
  return { key, alg: jwk.alg }
}

function reasonOf(error: unknown): InvalidTokenReason {
  if (error instanceof errors.JWTExpired) return 'expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature'
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm'
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
        return 'issuer'
      case 'aud':
        return 'audience'
      case 'typ':
        return 'type'
      case 'nbf':
      case 'iat':
        return error.reason === 'check_failed' ? 'not_yet_valid' : 'claims'
      default:
        return 'claims'
    }
  }
  return 'malformed'
}

function hasValidClaims<T extends object>(claims: T): claims is T & AccessTokenClaims {
  const { sub, tid, sid, ver, roles } = claims as Partial<Record<keyof AccessTokenClaims, unknown>>
  return (
    isNonEmptyString(sub) &&
    isNonEmptyString(tid) &&
    isNonEmptyString(sid) &&
    isWholeNumber(ver) &&
    Array.isArray(roles) &&
    roles.every((role) => typeof role === 'string')
  )
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== ''
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
