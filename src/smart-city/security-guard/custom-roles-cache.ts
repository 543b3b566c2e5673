import { rolesStore } from './store/roles-store.js'
import type { SecurityDb } from './store/tables.js'

/**
 * Each node keeps the custom roles of recently seen tenants, tagged with the version it loaded them under; the
 * shared version (see auth-state.ts) tells when to reload. Bounded: the least recently loaded tenant is dropped.
 */
export interface CustomRolesCache {
  /** The roles already loaded under this version, without waiting; undefined when they must be loaded. */
  peek(tenantId: string, version: string): ReadonlyMap<string, readonly string[]> | undefined
  get(db: SecurityDb, tenantId: string, version: string): Promise<ReadonlyMap<string, readonly string[]>>
}

export function createCustomRolesCache(maxTenants = 10_000): CustomRolesCache {
  const entries = new Map<string, { version: string; roles: Map<string, string[]> }>()
  return {
    peek(tenantId, version) {
      const cached = entries.get(tenantId)
      return cached?.version === version ? cached.roles : undefined
    },
    async get(db, tenantId, version) {
      const cached = entries.get(tenantId)
      if (cached?.version === version) return cached.roles
      const roles = new Map((await rolesStore.list(db, tenantId)).map((r) => [r.name, r.permissions]))
      entries.delete(tenantId)
      entries.set(tenantId, { version, roles })
      if (entries.size > maxTenants) entries.delete(entries.keys().next().value!)
      return roles
    },
  }
}
