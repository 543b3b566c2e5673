import { createHash, randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { PageRequest } from '../../../kernel/pagination.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import type { Principal } from '../../../kernel/principal.js'
import type { TrafficCopDeps } from '../module.js'
import { type SessionMessage, sessionTopic } from './channels.js'
import { sessionErrors } from './errors.js'
import { type SessionDb, type SessionRecord, type SessionTables, toSessionRecord } from './tables.js'

/**
 * Traffic Cop sessions: owned by the user who made them, with an idle and an absolute expiry. The session token
 * is shown once at creation and stored as a SHA-256 hash. Ending or expiring a session is published, so every
 * node closes that session's WebSocket subscriptions.
 */
export interface CreateSessionInput {
  sessionType: string
  context?: Record<string, unknown> | undefined
  routeTo?: string[] | undefined
}

const touchEveryMs = 30_000

export function createSessions(deps: TrafficCopDeps) {
  const db = deps.database.db as Kysely<SessionTables>
  const idleMs = deps.config.trafficCop.sessionIdleSeconds * 1000
  const absoluteMs = deps.config.trafficCop.sessionAbsoluteSeconds * 1000

  async function publish(message: SessionMessage): Promise<void> {
    await deps.pubSub.publish(sessionTopic(message.sessionId), JSON.stringify(message))
  }

  function isLive(session: SessionRecord, now: number): boolean {
    return session.status === 'active' && session.idleExpiresAt > now && session.expiresAt > now
  }

  /** The caller's live session, extending its idle expiry; anything else is SESSION_NOT_FOUND. */
  async function requireOwn(principal: Principal, id: string, store: SessionDb = db): Promise<SessionRecord> {
    const row = await store
      .selectFrom('tc_sessions')
      .selectAll()
      .where('tenant_id', '=', principal.tenantId)
      .where('user_id', '=', principal.userId)
      .where('id', '=', id)
      .executeTakeFirst()
    const now = deps.clock.now()
    const session = row && toSessionRecord(row)
    if (!session || !isLive(session, now)) throw sessionErrors.SESSION_NOT_FOUND({ id })
    if (now - session.lastActiveAt >= touchEveryMs) {
      const idleExpiresAt = Math.min(now + idleMs, session.expiresAt)
      await store
        .updateTable('tc_sessions')
        .set({ last_active_at: now, idle_expires_at: idleExpiresAt })
        .where('id', '=', id)
        .execute()
      return { ...session, lastActiveAt: now, idleExpiresAt }
    }
    return session
  }

  async function end(ids: { id: string; tenantId: string }[], reason: string, now: number): Promise<void> {
    for (const { id, tenantId } of ids) {
      await db
        .updateTable('tc_sessions')
        .set({ status: reason === 'ended' ? 'ended' : 'expired', ended_at: now, end_reason: reason })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .execute()
      await publish({ type: 'ended', sessionId: id, tenantId, reason })
    }
  }

  return {
    requireOwn,
    isLive,

    async create(principal: Principal, input: CreateSessionInput) {
      const now = deps.clock.now()
      const token = `st_${randomBytes(32).toString('base64url')}`
      const record: SessionRecord = {
        id: deps.ids.next('ses'),
        tenantId: principal.tenantId,
        userId: principal.userId,
        sessionType: input.sessionType,
        context: input.context ?? {},
        routeTo: [...new Set(input.routeTo ?? [])],
        status: 'active',
        createdAt: now,
        lastActiveAt: now,
        idleExpiresAt: Math.min(now + idleMs, now + absoluteMs),
        expiresAt: now + absoluteMs,
        endedAt: null,
        endReason: null,
      }
      await deps.database.transaction(async (trx) => {
        const store = trx as unknown as SessionDb
        await store
          .insertInto('tc_sessions')
          .values({
            id: record.id,
            tenant_id: record.tenantId,
            user_id: record.userId,
            session_type: record.sessionType,
            context: JSON.stringify(record.context),
            route_to: JSON.stringify(record.routeTo),
            token_hash: createHash('sha256').update(token).digest('hex'),
            status: record.status,
            created_at: now,
            last_active_at: now,
            idle_expires_at: record.idleExpiresAt,
            expires_at: record.expiresAt,
            ended_at: null,
            end_reason: null,
          })
          .execute()
        await store
          .insertInto('tc_session_state')
          .values({
            session_id: record.id,
            tenant_id: record.tenantId,
            version: 0,
            data: '{}',
            updated_at: now,
          })
          .execute()
      })
      return { session: record, token }
    },

    async list(principal: Principal, page: PageRequest, status: 'active' | 'all') {
      const now = deps.clock.now()
      let query = db
        .selectFrom('tc_sessions')
        .selectAll()
        .where('tenant_id', '=', principal.tenantId)
        .where('user_id', '=', principal.userId)
      if (status === 'active') {
        query = query
          .where('status', '=', 'active')
          .where('idle_expires_at', '>', now)
          .where('expires_at', '>', now)
      }
      return pageByCreation(query, page, toSessionRecord)
    },

    async end(principal: Principal, id: string): Promise<void> {
      const session = await requireOwn(principal, id)
      await end([{ id: session.id, tenantId: session.tenantId }], 'ended', deps.clock.now())
    },

    /** Marks lapsed sessions expired and tells every node; safe to run on every node at once. */
    async expireLapsed(): Promise<number> {
      const now = deps.clock.now()
      const lapsed = await db
        .selectFrom('tc_sessions')
        .select(['id', 'tenant_id'])
        .where('status', '=', 'active')
        .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('expires_at', '<=', now)]))
        .limit(1000)
        .execute()
      await end(
        lapsed.map((r) => ({ id: r.id, tenantId: r.tenant_id })),
        'expired',
        now,
      )
      return lapsed.length
    },

    /** Counts for the tenant: active now, created and ended since `since`, by session type. */
    async analytics(principal: Principal, since: number) {
      const now = deps.clock.now()
      const rows = await db
        .selectFrom('tc_sessions')
        .select(['session_type', 'status', 'created_at', 'ended_at', 'idle_expires_at', 'expires_at'])
        .where('tenant_id', '=', principal.tenantId)
        .where((eb) => eb.or([eb('created_at', '>=', since), eb('status', '=', 'active')]))
        .execute()
      const byType: Record<string, { active: number; created: number; ended: number; expired: number }> = {}
      for (const row of rows) {
        const entry = (byType[row.session_type] ??= { active: 0, created: 0, ended: 0, expired: 0 })
        const live =
          row.status === 'active' && Number(row.idle_expires_at) > now && Number(row.expires_at) > now
        if (live) entry.active++
        if (Number(row.created_at) >= since) entry.created++
        if (row.ended_at !== null && Number(row.ended_at) >= since) {
          if (row.status === 'ended') entry.ended++
          else entry.expired++
        }
      }
      const total = Object.values(byType).reduce(
        (sum, e) => ({
          active: sum.active + e.active,
          created: sum.created + e.created,
          ended: sum.ended + e.ended,
          expired: sum.expired + e.expired,
        }),
        { active: 0, created: 0, ended: 0, expired: 0 },
      )
      return { since, ...total, byType }
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
