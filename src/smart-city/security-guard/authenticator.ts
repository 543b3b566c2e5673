import { type Awaitable, rejection } from '../../kernel/awaitable.js'
import type { Principal } from '../../kernel/principal.js'
import type { AuthSnapshot } from './auth-state.js'
import type { VerifiedAccessToken } from './tokens/access-tokens.js'
import { findApiKey, touchApiKey } from './api-keys.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { intersect, permissionsOf } from './permissions.js'
import { usersStore } from './store/users-store.js'

interface VerifiedEntry {
  token: string
  claims: VerifiedAccessToken
  /**
   * The principal, with permissions derived from the claims' roles and the tenant's custom roles; reused (one
   * object for every request with this token) while those are the same map.
   */
  principal: { from: ReadonlyMap<string, readonly string[]>; principal: Principal } | undefined
}

/**
 * Turns an `Authorization` header (or a WebSocket token) into a Principal, or fails with 401. Client-sent identity
 * headers are never read. Access tokens are checked against the shared revocation state on every request, so
 * logout, disabling a user or changing their roles takes effect at once on every node.
 */
export function createAuthenticator(ctx: SecurityContext) {
  // Signature checks dominate the cost of an authenticated request; a token already verified is remembered until it
  // expires, with the principal last derived from it. Revocation is still checked on every request below. Entries
  // are found by the token's signature (hashing a whole token per request showed in profiles) and hold only when
  // the whole text is the same.
  const verified = new Map<string, VerifiedEntry>()
  const maxVerified = 10_000
  const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1)

  function cached(token: string): VerifiedEntry | undefined {
    const signature = signatureOf(token)
    const hit = verified.get(signature)
    if (hit?.token !== token) return undefined
    if (hit.claims.exp * 1000 > ctx.clock.now()) return hit
    verified.delete(signature)
    return undefined
  }

  async function verify(token: string): Promise<VerifiedEntry> {
    const entry: VerifiedEntry = { token, claims: await ctx.tokens().verify(token), principal: undefined }
    if (verified.size >= maxVerified) verified.delete(verified.keys().next().value!)
    verified.set(signatureOf(token), entry)
    return entry
  }

  async function fromAccessToken(token: string, hit = cached(token)): Promise<Principal> {
    const entry = hit ?? (await verify(token))
    const { claims } = entry
    return await fromSnapshot(entry, await ctx.authState.read(claims.tid, claims.sub, claims.sid))
  }

  /** The principal of a verified token under the current revocation state; at once when the roles are loaded. */
  function fromSnapshot(entry: VerifiedEntry, snapshot: AuthSnapshot): Awaitable<Principal> {
    const { claims } = entry
    if (
      snapshot.user.status !== 'active' ||
      snapshot.user.authVersion !== claims.ver ||
      snapshot.session !== 'active'
    ) {
      throw securityErrors.INVALID_TOKEN({ reason: 'revoked' })
    }
    const customRoles = ctx.customRoles.peek(claims.tid, snapshot.rolesVersion)
    if (customRoles !== undefined) return principalOf(entry, customRoles)
    return ctx.customRoles
      .get(ctx.db, claims.tid, snapshot.rolesVersion)
      .then((roles) => principalOf(entry, roles))
  }

  function principalOf(entry: VerifiedEntry, customRoles: ReadonlyMap<string, readonly string[]>): Principal {
    if (entry.principal?.from === customRoles) return entry.principal.principal
    const { claims } = entry
    const principal: Principal = {
      kind: 'user',
      tenantId: claims.tid,
      userId: claims.sub,
      apiKeyId: null,
      sessionId: claims.sid,
      roles: claims.roles,
      permissions: permissionsOf(claims.roles, customRoles),
    }
    entry.principal = { from: customRoles, principal }
    return principal
  }

  /**
   * A token verified before, whose revocation state the store can tell at once (an in-process store): the
   * principal without a promise. Undefined when that cannot be done at once; failures are rejected promises.
   */
  function fromCachedTokenNow(entry: VerifiedEntry): Awaitable<Principal> | undefined {
    const { claims } = entry
    try {
      const snapshot = ctx.authState.peek(claims.tid, claims.sub, claims.sid)
      return snapshot === undefined ? undefined : fromSnapshot(entry, snapshot)
    } catch (error) {
      return rejection(error)
    }
  }

  async function fromApiKey(key: string): Promise<Principal> {
    const record = await findApiKey(ctx, key)
    const now = ctx.clock.now()
    if (!record || record.revokedAt !== null || (record.expiresAt !== null && record.expiresAt <= now)) {
      throw securityErrors.INVALID_API_KEY()
    }
    const snapshot = await ctx.authState.read(record.tenantId, record.userId, null)
    if (snapshot.user.status !== 'active') throw securityErrors.INVALID_API_KEY()
    const creator = await usersStore.get(ctx.db, record.tenantId, record.userId)
    if (!creator || creator.status !== 'active') throw securityErrors.INVALID_API_KEY()
    await touchApiKey(ctx, record)
    const customRoles = await ctx.customRoles.get(ctx.db, record.tenantId, snapshot.rolesVersion)
    const ceiling = permissionsOf(creator.roles, customRoles)
    return {
      kind: 'api_key',
      tenantId: record.tenantId,
      userId: record.userId,
      apiKeyId: record.id,
      sessionId: null,
      roles: record.roles,
      permissions: intersect(permissionsOf(record.roles, customRoles), ceiling),
    }
  }

  async function fromHeader(header: string | undefined): Promise<Principal> {
    const match = /^(Bearer|ApiKey) +([^\s]{1,8192})$/i.exec(header?.trim() ?? '')
    if (!match) throw securityErrors.AUTH_REQUIRED()
    return await (match[1]!.toLowerCase() === 'bearer' ? fromAccessToken(match[2]!) : fromApiKey(match[2]!))
  }

  return {
    /** `Bearer <access token>` or `ApiKey <key>`; anything else is AUTH_REQUIRED. */
    /** At once when the token was verified before and the store answers at once; else a promise. */
    authenticateHeader(header: string | undefined): Awaitable<Principal> {
      const token = bearerToken(header)
      const hit = token === undefined ? undefined : cached(token)
      if (!hit) return fromHeader(header)
      return fromCachedTokenNow(hit) ?? fromAccessToken(hit.token, hit)
    },
    /** A bare credential, as a WebSocket presents it: an API key if it looks like one, else an access token. */
    async authenticateToken(token: string): Promise<Principal> {
      return await (token.startsWith('sk_') ? fromApiKey(token) : fromAccessToken(token))
    },
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>

/**
 * The token of a `Bearer` header, found without a regular expression; only for a cache lookup, since a token
 * found in the cache of verified tokens is known to be well formed.
 */
function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8) return undefined
  const value = header.trim()
  if (value.charCodeAt(6) !== 32 || value.slice(0, 6).toLowerCase() !== 'bearer') return undefined
  let start = 7
  while (value.charCodeAt(start) === 32) start += 1
  return value.slice(start)
}
