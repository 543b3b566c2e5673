import type { PageRequest } from '../../../kernel/pagination.js'
import { decodeCursor, pageSize, toPage } from '../../../kernel/pagination.js'
import type { SecurityDb, SecurityTables } from './tables.js'

export type AuditOutcome = 'success' | 'failure' | 'denied'

export interface AuditEvent {
  id: string
  tenantId: string | null
  at: number
  action: string
  outcome: AuditOutcome
  actor: { type: 'user' | 'api_key' | 'anonymous' | 'system'; id: string | null }
  target: { type: string; id: string } | null
  ip: string | null
  requestId: string | null
  details: Record<string, unknown>
}

function toEvent(row: SecurityTables['sg_audit_events']): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    at: Number(row.at),
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    actor: { type: row.actor_type as AuditEvent['actor']['type'], id: row.actor_id },
    target:
      row.target_type !== null && row.target_id !== null
        ? { type: row.target_type, id: row.target_id }
        : null,
    ip: row.ip,
    requestId: row.request_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }
}

export const auditStore = {
  async insert(db: SecurityDb, event: AuditEvent): Promise<void> {
    await db
      .insertInto('sg_audit_events')
      .values({
        id: event.id,
        tenant_id: event.tenantId,
        at: event.at,
        action: event.action,
        outcome: event.outcome,
        actor_type: event.actor.type,
        actor_id: event.actor.id,
        target_type: event.target?.type ?? null,
        target_id: event.target?.id ?? null,
        ip: event.ip,
        request_id: event.requestId,
        details: JSON.stringify(event.details),
      })
      .execute()
  },

  /** The tenant's events, newest first. */
  async list(db: SecurityDb, tenantId: string, filter: { action?: string }, page: PageRequest) {
    const limit = pageSize(page.limit)
    const before = decodeCursor(page.cursor)
    let query = db.selectFrom('sg_audit_events').selectAll().where('tenant_id', '=', tenantId)
    if (filter.action !== undefined) query = query.where('action', '=', filter.action)
    if (before) {
      query = query.where((eb) =>
        eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
      )
    }
    const rows = await query
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute()
    return toPage(
      rows.map(toEvent),
      limit,
      (e) => ({ at: e.at, id: e.id }),
      (e) => e,
    )
  },
}
