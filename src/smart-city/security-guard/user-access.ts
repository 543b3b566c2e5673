import type { SecurityContext } from './context.js'
import { sessionsStore } from './store/sessions-store.js'
import type { UserRecord } from './store/users-store.js'

/**
 * After a user's roles, status or password changed (their auth version bumped): every node stops accepting their
 * access tokens at once, and when `revokeSessions` says so their login sessions end too (no refresh).
 */
export async function afterAuthChange(
  ctx: SecurityContext,
  user: UserRecord,
  status: 'active' | 'disabled' | 'deleted',
  revokeSessions: boolean,
): Promise<void> {
  await ctx.authState.userChanged(user.id, { status, authVersion: user.authVersion + 1 })
  await ctx.announceRevocation({ userId: user.id })
  if (!revokeSessions) return
  const revoked = await sessionsStore.revokeUserSessions(
    ctx.db,
    { tenantId: user.tenantId, userId: user.id },
    ctx.clock.now(),
    status,
  )
  for (const sessionId of revoked) await ctx.authState.sessionRevoked(sessionId)
}
