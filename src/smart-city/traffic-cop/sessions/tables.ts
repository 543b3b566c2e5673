import type { Kysely, Transaction } from 'kysely'

export interface SessionTables {
  tc_sessions: {
    id: string
    tenant_id: string
    user_id: string
    session_type: string
    context: string
    route_to: string
    token_hash: string
    status: string
    created_at: number
    last_active_at: number
    idle_expires_at: number
    expires_at: number
    ended_at: number | null
    end_reason: string | null
  }
  tc_session_state: {
    session_id: string
    tenant_id: string
    version: number
    data: string
    updated_at: number
  }
  tc_state_versions: {
    session_id: string
    tenant_id: string
    version: number
    data: string
    changed_at: number
  }
}

export type SessionDb = Kysely<SessionTables> | Transaction<SessionTables>

export interface SessionRecord {
  id: string
  tenantId: string
  userId: string
  sessionType: string
  context: Record<string, unknown>
  routeTo: string[]
  status: 'active' | 'ended' | 'expired'
  createdAt: number
  lastActiveAt: number
  idleExpiresAt: number
  expiresAt: number
  endedAt: number | null
  endReason: string | null
}

export function toSessionRecord(row: SessionTables['tc_sessions']): SessionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    sessionType: row.session_type,
    context: JSON.parse(row.context) as Record<string, unknown>,
    routeTo: JSON.parse(row.route_to) as string[],
    status: row.status === 'active' ? 'active' : row.status === 'ended' ? 'ended' : 'expired',
    createdAt: Number(row.created_at),
    lastActiveAt: Number(row.last_active_at),
    idleExpiresAt: Number(row.idle_expires_at),
    expiresAt: Number(row.expires_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
    endReason: row.end_reason,
  }
}
