import type { ApiKeyRecord } from './store/api-keys-store.js'
import type { TenantRecord } from './store/tenants-store.js'
import type { UserRecord } from './store/users-store.js'

/** What the API shows of each record: never hashes, never secrets. Times are ISO 8601 strings. */
export const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))

export function userView(user: UserRecord) {
  return {
    id: user.id,
    tenantId: user.tenantId,
    email: user.email,
    name: user.name,
    roles: user.roles,
    status: user.status,
    createdAt: iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
  }
}

export function tenantView(tenant: TenantRecord) {
  return { id: tenant.id, name: tenant.name, status: tenant.status, createdAt: iso(tenant.createdAt) }
}

export function apiKeyView(key: ApiKeyRecord) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    roles: key.roles,
    userId: key.userId,
    createdAt: iso(key.createdAt),
    expiresAt: isoOrNull(key.expiresAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
  }
}

export type UserView = ReturnType<typeof userView>
export type TenantView = ReturnType<typeof tenantView>
export type ApiKeyView = ReturnType<typeof apiKeyView>
