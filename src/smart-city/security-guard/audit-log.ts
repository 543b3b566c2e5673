import type { Clock } from '../../kernel/clock.js'
import { createTimeOrderedIdGenerator } from '../../kernel/ids.js'
import type { Principal } from '../../kernel/principal.js'
import { type AuditEvent, auditStore } from './store/audit-store.js'
import type { SecurityDb } from './store/tables.js'

/** Where a security-relevant call came from; recorded with every audit event. */
export interface RequestMeta {
  ip: string | null
  requestId: string | null
}

export type AuditEntry = Omit<AuditEvent, 'id' | 'at' | 'ip' | 'requestId' | 'actor' | 'details'> & {
  actor?: AuditEvent['actor']
  details?: Record<string, unknown>
}

export interface AuditLog {
  record(db: SecurityDb, entry: AuditEntry, meta: RequestMeta): Promise<void>
}

export function actorOf(principal: Principal): AuditEvent['actor'] {
  return principal.kind === 'api_key'
    ? { type: 'api_key', id: principal.apiKeyId }
    : { type: 'user', id: principal.userId }
}

/** Audit ids are time-ordered, so events of one millisecond still list newest first. */
export function createAuditLog(clock: Clock): AuditLog {
  const ids = createTimeOrderedIdGenerator(() => clock.now())
  return {
    async record(db, entry, meta) {
      await auditStore.insert(db, {
        ...entry,
        id: ids.next('aud'),
        at: clock.now(),
        actor: entry.actor ?? { type: 'anonymous', id: null },
        ip: meta.ip,
        requestId: meta.requestId,
        details: entry.details ?? {},
      })
    },
  }
}
