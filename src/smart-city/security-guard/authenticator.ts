import type { Principal } from '../../kernel/principal.js'
import { findApiKey, touchApiKey } from './api-keys.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { permissionsOf } from './permissions.js'

/**
 * Turns an `Authorization` header (or a WebSocket token) into a Principal, or fails with 401. Client-sent identity
 * headers are never read. Access tokens are checked against the shared revocation state on every request, so
 * logout, disabling a user or changing their roles takes effect at once on every node.
 */
export function createAuthenticator(ctx: SecurityContext) {
  async function fromAccessToken(token: string): Promise<Principal> {
    const claims = await ctx.tokens().verify(token)
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
    await touchApiKey(ctx, record)
    const customRoles = await ctx.customRoles.get(ctx.db, record.tenantId, snapshot.rolesVersion)
    return {
      kind: 'api_key',
      tenantId: record.tenantId,
      userId: record.userId,
      apiKeyId: record.id,
      sessionId: null,
      roles: record.roles,
      permissions: permissionsOf(record.roles, customRoles),
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
