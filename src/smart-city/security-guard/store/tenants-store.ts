import type { SecurityDb } from './tables.js'

export interface TenantRecord {
  id: string
  name: string
  status: 'active' | 'disabled'
  createdAt: number
  updatedAt: number
}

export const tenantsStore = {
  async insert(db: SecurityDb, tenant: TenantRecord): Promise<void> {
    await db
      .insertInto('sg_tenants')
      .values({
        id: tenant.id,
        name: tenant.name,
        status: tenant.status,
        created_at: tenant.createdAt,
        updated_at: tenant.updatedAt,
      })
      .execute()
  },

  async get(db: SecurityDb, id: string): Promise<TenantRecord | undefined> {
    const row = await db.selectFrom('sg_tenants').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return {
      id: row.id,
      name: row.name,
      status: row.status === 'active' ? 'active' : 'disabled',
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }
  },
}
