import type { SecurityDb } from './tables.js'

/**
 * Login sessions (one per login) and their refresh tokens (one family per session, rotated on every use). Refresh
 * tokens are stored as SHA-256 hashes only.
 */
export interface LoginSessionRecord {
  id: string
  tenantId: string
  userId: string
  status: 'active' | 'revoked'
  createdAt: number
  expiresAt: number
}

export interface RefreshTokenRecord {
  tokenHash: string
  tenantId: string
  userId: string
  sessionId: string
  status: 'active' | 'used' | 'revoked'
  createdAt: number
  expiresAt: number
}

export const sessionsStore = {
  async insertSession(db: SecurityDb, session: LoginSessionRecord): Promise<void> {
    await db
      .insertInto('sg_login_sessions')
      .values({
        id: session.id,
        tenant_id: session.tenantId,
        user_id: session.userId,
        status: session.status,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        revoked_at: null,
        revoked_reason: null,
      })
      .execute()
  },

  async getSession(db: SecurityDb, id: string): Promise<LoginSessionRecord | undefined> {
    const row = await db.selectFrom('sg_login_sessions').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return {
      id: row.id,
      tenantId: row.tenant_id,
      userId: row.user_id,
      status: row.status === 'active' ? 'active' : 'revoked',
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    }
  },

  /** Revokes one session and its tokens; answers whether it was active. */
  async revokeSession(db: SecurityDb, id: string, at: number, reason: string): Promise<boolean> {
    const result = await db
      .updateTable('sg_login_sessions')
      .set({ status: 'revoked', revoked_at: at, revoked_reason: reason })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst()
    await db
      .updateTable('sg_refresh_tokens')
      .set({ status: 'revoked' })
      .where('session_id', '=', id)
      .where('status', '=', 'active')
      .execute()
    return Number(result.numUpdatedRows) === 1
  },

  /** Revokes every active session of a user; answers their ids. */
  async revokeUserSessions(
    db: SecurityDb,
    user: { tenantId: string; userId: string },
    at: number,
    reason: string,
  ): Promise<string[]> {
    const rows = await db
      .selectFrom('sg_login_sessions')
      .select('id')
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.userId)
      .where('status', '=', 'active')
      .execute()
    for (const { id } of rows) await sessionsStore.revokeSession(db, id, at, reason)
    return rows.map((r) => r.id)
  },

  async insertRefreshToken(db: SecurityDb, token: RefreshTokenRecord): Promise<void> {
    await db
      .insertInto('sg_refresh_tokens')
      .values({
        token_hash: token.tokenHash,
        tenant_id: token.tenantId,
        user_id: token.userId,
        session_id: token.sessionId,
        status: token.status,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        used_at: null,
      })
      .execute()
  },

  async getRefreshToken(db: SecurityDb, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await db
      .selectFrom('sg_refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    if (!row) return undefined
    return {
      tokenHash: row.token_hash,
      tenantId: row.tenant_id,
      userId: row.user_id,
      sessionId: row.session_id,
      status: row.status === 'active' ? 'active' : row.status === 'used' ? 'used' : 'revoked',
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    }
  },

  /** Marks a token used only if it is still active: the one guarded write that makes rotation single-use. */
  async markUsed(db: SecurityDb, tokenHash: string, at: number): Promise<boolean> {
    const result = await db
      .updateTable('sg_refresh_tokens')
      .set({ status: 'used', used_at: at })
      .where('token_hash', '=', tokenHash)
      .where('status', '=', 'active')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  },
}
