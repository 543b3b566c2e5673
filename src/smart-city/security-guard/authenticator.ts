import type { Principal } from '../../kernel/principal.js'
import type { VerifiedAccessToken } from './tokens/access-tokens.js'
import { findApiKey, touchApiKey } from './api-keys.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { intersect, permissionsOf } from './permissions.js'
import { usersStore } from './store/users-store.js'

/**
 * Turns an `Authorization` header (or a WebSocket token) into a Principal, or fails with 401. Client-sent identity
 * headers are never read. Access tokens are checked against the shared revocation state on every request, so
 * logout, disabling a user or changing their roles takes effect at once on every node.
 */
export function createAuthenticator(ctx: SecurityContext) {
  // Signature checks dominate the cost of an authenticated request; a token already verified is remembered (by its
  // exact text) until it expires. Revocation is still checked on every request below.
  const verified = new Map<string, VerifiedAccessToken>()
  const maxVerified = 10_000

  async function verifyCached(token: string): Promise<VerifiedAccessToken> {
    const hit = verified.get(token)
    if (hit && hit.exp * 1000 > ctx.clock.now()) return hit
    verified.delete(token)
    const claims = await ctx.tokens().verify(token)
    if (verified.size >= maxVerified) verified.delete(verified.keys().next().value!)
    verified.set(token, claims)
    return claims
  }

  async function fromAccessToken(token: string): Promise<Principal> {
    const claims = await verifyCached(token)
    const snapshot = await ctx.authState.read(claims.tid, claims.sub, claims.sid)
    if (
      snapshot.user.status !== 'active' ||
      snapshot.user.authVersion !== claims.ver ||
      snapshot.session !== 'active'
    ) {
      throw securityErrors.INVALID_TOKEN({ reason: 'revoked' })
    }
    const customRoles = await ctx.customRoles.get(ctx.db, claims.tid, snapshot.rolesVersion)
    return {
      kind: 'user',
      tenantId: claims.tid,
      userId: claims.sub,
      apiKeyId: null,
      sessionId: claims.sid,
      roles: claims.roles,
      permissions: permissionsOf(claims.roles, customRoles),
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

  return {
    /** `Bearer <access token>` or `ApiKey <key>`; anything else is AUTH_REQUIRED. */
    async authenticateHeader(header: string | undefined): Promise<Principal> {
      const match = /^(Bearer|ApiKey) +([^\s]{1,8192})$/i.exec(header?.trim() ?? '')
      if (!match) throw securityErrors.AUTH_REQUIRED()
      return match[1]!.toLowerCase() === 'bearer' ? fromAccessToken(match[2]!) : fromApiKey(match[2]!)
    },
    /** A bare credential, as a WebSocket presents it: an API key if it looks like one, else an access token. */
    async authenticateToken(token: string): Promise<Principal> {
      return token.startsWith('sk_') ? fromApiKey(token) : fromAccessToken(token)
    },
  }
}

export type Authenticator = ReturnType<typeof createAuthenticator>
