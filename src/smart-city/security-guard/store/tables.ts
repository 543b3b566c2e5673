import type { Kysely, Transaction } from 'kysely'
import type { SqlDatabase } from '../../../ports/sql-database.js'

/** Row shapes of the Security Guard's tables (see ../migrations.ts); JSON arrays are stored as text. */
export interface SecurityTables {
  sg_tenants: { id: string; name: string; status: string; created_at: number; updated_at: number }
  sg_users: {
    id: string
    tenant_id: string
    email: string
    email_key: string
    name: string
    password_hash: string
    roles: string
    status: string
    auth_version: number
    created_at: number
    updated_at: number
  }
  sg_roles: {
    tenant_id: string
    name: string
    permissions: string
    description: string | null
    created_at: number
    updated_at: number
  }
  sg_login_sessions: {
    id: string
    tenant_id: string
    user_id: string
    status: string
    created_at: number
    expires_at: number
    revoked_at: number | null
    revoked_reason: string | null
  }
  sg_refresh_tokens: {
    token_hash: string
    tenant_id: string
    user_id: string
    session_id: string
    status: string
    created_at: number
    expires_at: number
    used_at: number | null
  }
  sg_api_keys: {
    id: string
    tenant_id: string
    user_id: string
    name: string
    prefix: string
    key_hash: string
    roles: string
    created_at: number
    expires_at: number | null
    last_used_at: number | null
    revoked_at: number | null
  }
  sg_audit_events: {
    id: string
    tenant_id: string | null
    at: number
    action: string
    outcome: string
    actor_type: string
    actor_id: string | null
    target_type: string | null
    target_id: string | null
    ip: string | null
    request_id: string | null
    details: string
  }
}

export type SecurityDb = Kysely<SecurityTables> | Transaction<SecurityTables>

export function securityDb(database: SqlDatabase): Kysely<SecurityTables> {
  return database.db as Kysely<SecurityTables>
}

export function parseStringArray(text: string): string[] {
  const value: unknown = JSON.parse(text)
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}
