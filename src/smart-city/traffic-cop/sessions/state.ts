import type { Kysely } from 'kysely'
import type { Principal } from '../../../kernel/principal.js'
import type { TrafficCopDeps } from '../module.js'
import { sessionTopic } from './channels.js'
import { sessionErrors } from './errors.js'
import { applyMergePatch } from './merge-patch.js'
import type { Sessions } from './sessions.js'
import type { SessionDb, SessionTables } from './tables.js'

/**
 * Versioned JSON state per session. Every accepted change bumps the version by one in one transaction (a guarded
 * update, so two writers can never both produce version N), keeps the last `keptVersions` versions for catch-up,
 * and is published after commit. With If-Match the change applies only to that version (else 409); without it a
 * lost race is retried on the newer version, so a blind write or patch always lands.
 */
export const maxStateBytes = 256 * 1024
export const keptVersions = 100
const maxAttempts = 8

export interface StateView {
  version: number
  data: Record<string, unknown>
}

type Change = (current: Record<string, unknown>) => unknown

export function createSessionState(deps: TrafficCopDeps, sessions: Sessions) {
  const db = deps.database.db as Kysely<SessionTables>

  /** With `lock`, PostgreSQL holds the row until commit, so writers queue instead of racing (SQLite serialises anyway). */
  async function read(store: SessionDb, sessionId: string, lock = false): Promise<StateView> {
    let query = store
      .selectFrom('tc_session_state')
      .select(['version', 'data'])
      .where('session_id', '=', sessionId)
    if (lock && deps.database.dialect === 'postgres') query = query.forUpdate()
    const row = await query.executeTakeFirstOrThrow()
    return { version: Number(row.version), data: JSON.parse(row.data) as Record<string, unknown> }
  }

  async function attempt(
    principal: Principal,
    sessionId: string,
    change: Change,
    ifMatch: number | undefined,
  ) {
    return deps.database.transaction(async (trx) => {
      const store = trx as unknown as SessionDb
      const session = await sessions.requireOwn(principal, sessionId, store)
      const current = await read(store, session.id, true)
      if (ifMatch !== undefined && ifMatch !== current.version) {
        throw sessionErrors.STATE_VERSION_CONFLICT({ current: current.version, expected: ifMatch })
      }
      const next = change(current.data)
      if (typeof next !== 'object' || next === null || Array.isArray(next))
        throw sessionErrors.STATE_NOT_AN_OBJECT()
      const text = JSON.stringify(next)
      if (Buffer.byteLength(text) > maxStateBytes)
        throw sessionErrors.STATE_TOO_LARGE({ maxBytes: maxStateBytes })
      const version = current.version + 1
      const now = deps.clock.now()
      const updated = await store
        .updateTable('tc_session_state')
        .set({ version, data: text, updated_at: now })
        .where('session_id', '=', session.id)
        .where('version', '=', current.version)
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) !== 1) return undefined
      await store
        .insertInto('tc_state_versions')
        .values({ session_id: session.id, tenant_id: session.tenantId, version, data: text, changed_at: now })
        .execute()
      await store
        .deleteFrom('tc_state_versions')
        .where('session_id', '=', session.id)
        .where('version', '<=', version - keptVersions)
        .execute()
      return { tenantId: session.tenantId, view: { version, data: next as Record<string, unknown> } }
    })
  }

  async function apply(
    principal: Principal,
    sessionId: string,
    change: Change,
    ifMatch: number | undefined,
  ): Promise<StateView> {
    for (let i = 0; i < maxAttempts; i++) {
      const result = await attempt(principal, sessionId, change, ifMatch)
      if (result === undefined) {
        if (ifMatch !== undefined) {
          const latest = await read(db, sessionId)
          throw sessionErrors.STATE_VERSION_CONFLICT({ current: latest.version, expected: ifMatch })
        }
        continue
      }
      await deps.pubSub.publish(
        sessionTopic(sessionId),
        JSON.stringify({ type: 'state', sessionId, tenantId: result.tenantId, ...result.view }),
      )
      return result.view
    }
    throw sessionErrors.STATE_VERSION_CONFLICT({ current: 'newer', expected: 'any' })
  }

  return {
    async get(principal: Principal, sessionId: string): Promise<StateView> {
      const session = await sessions.requireOwn(principal, sessionId)
      return read(db, session.id)
    },
    put: (principal: Principal, sessionId: string, data: unknown, ifMatch?: number) =>
      apply(principal, sessionId, () => data, ifMatch),
    patch: (principal: Principal, sessionId: string, patch: unknown, ifMatch?: number) =>
      apply(principal, sessionId, (current) => applyMergePatch(current, patch), ifMatch),

    /**
     * The kept versions after `since`, in order, if they reach contiguously from `since + 1` to the current
     * version; undefined when the gap cannot be replayed (the caller then sends a resync with the current state).
     */
    async versionsSince(tenantId: string, sessionId: string, since: number) {
      const current = await read(db, sessionId)
      if (since >= current.version) return { current, versions: [] as StateView[] }
      const rows = await db
        .selectFrom('tc_state_versions')
        .select(['version', 'data'])
        .where('tenant_id', '=', tenantId)
        .where('session_id', '=', sessionId)
        .where('version', '>', since)
        .orderBy('version')
        .execute()
      const versions = rows.map((r) => ({
        version: Number(r.version),
        data: JSON.parse(r.data) as Record<string, unknown>,
      }))
      const contiguous =
        versions.length > 0 &&
        versions[0]!.version === since + 1 &&
        versions.at(-1)!.version >= current.version
      return { current, versions: contiguous ? versions : undefined }
    },
  }
}

export type SessionState = ReturnType<typeof createSessionState>
