import type { PageRequest } from '../../../kernel/pagination.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import { type SecurityDb, type SecurityTables, parseStringArray } from './tables.js'

export interface ApiKeyRecord {
  id: string
  tenantId: string
  userId: string
  name: string
  prefix: string
  keyHash: string
  roles: string[]
  createdAt: number
  expiresAt: number | null
  lastUsedAt: number | null
  revokedAt: number | null
}

function toRecord(row: SecurityTables['sg_api_keys']): ApiKeyRecord {
  const optional = (v: number | null) => (v === null ? null : Number(v))
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    keyHash: row.key_hash,
    roles: parseStringArray(row.roles),
    createdAt: Number(row.created_at),
    expiresAt: optional(row.expires_at),
    lastUsedAt: optional(row.last_used_at),
    revokedAt: optional(row.revoked_at),
  }
}

export const apiKeysStore = {
  async insert(db: SecurityDb, key: ApiKeyRecord): Promise<void> {
    await db
      .insertInto('sg_api_keys')
      .values({
        id: key.id,
        tenant_id: key.tenantId,
        user_id: key.userId,
        name: key.name,
        prefix: key.prefix,
        key_hash: key.keyHash,
        roles: JSON.stringify(key.roles),
        created_at: key.createdAt,
        expires_at: key.expiresAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute()
  },

  /** By id alone: authentication learns the tenant from the key itself. */
  async getForAuthentication(db: SecurityDb, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await db.selectFrom('sg_api_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toRecord(row)
  },

  async get(db: SecurityDb, tenantId: string, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await db
      .selectFrom('sg_api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toRecord(row)
  },

  /** The tenant's unrevoked keys, or only one user's when `userId` is given. */
  async list(db: SecurityDb, tenantId: string, userId: string | undefined, page: PageRequest) {
    let query = db
      .selectFrom('sg_api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
    if (userId !== undefined) query = query.where('user_id', '=', userId)
    return pageByCreation(query, page, toRecord)
  },

  /** Every unrevoked key of one user (a user has few keys; used when their roles change). */
  async listActiveOfUser(db: SecurityDb, tenantId: string, userId: string): Promise<ApiKeyRecord[]> {
    const rows = await db
      .selectFrom('sg_api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute()
    return rows.map(toRecord)
  },

  async revoke(db: SecurityDb, tenantId: string, id: string, at: number): Promise<boolean> {
    const result = await db
      .updateTable('sg_api_keys')
      .set({ revoked_at: at })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  },

  async revokeAllOf(db: SecurityDb, tenantId: string, userId: string, at: number): Promise<void> {
    await db
      .updateTable('sg_api_keys')
      .set({ revoked_at: at })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute()
  },

  async touch(db: SecurityDb, id: string, at: number): Promise<void> {
    await db.updateTable('sg_api_keys').set({ last_used_at: at }).where('id', '=', id).execute()
  },

  /** Usable keys holding a role (revoked and expired keys do not count). */
  async countWithRole(db: SecurityDb, tenantId: string, role: string, now: number): Promise<number> {
    const row = await db
      .selectFrom('sg_api_keys')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .where('roles', 'like', `%${JSON.stringify(role)}%`)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  },
}
