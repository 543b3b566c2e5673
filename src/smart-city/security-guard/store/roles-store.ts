import { type SecurityDb, parseStringArray } from './tables.js'

export interface CustomRoleRecord {
  tenantId: string
  name: string
  permissions: string[]
  description: string | null
  createdAt: number
  updatedAt: number
}

export const rolesStore = {
  async list(db: SecurityDb, tenantId: string): Promise<CustomRoleRecord[]> {
    const rows = await db
      .selectFrom('sg_roles')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('name')
      .execute()
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      name: row.name,
      permissions: parseStringArray(row.permissions),
      description: row.description,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }))
  },

  /** Creates or replaces the tenant's role; answers whether it was created. */
  async upsert(db: SecurityDb, role: CustomRoleRecord): Promise<boolean> {
    const updated = await db
      .updateTable('sg_roles')
      .set({
        permissions: JSON.stringify(role.permissions),
        description: role.description,
        updated_at: role.updatedAt,
      })
      .where('tenant_id', '=', role.tenantId)
      .where('name', '=', role.name)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 1) return false
    await db
      .insertInto('sg_roles')
      .values({
        tenant_id: role.tenantId,
        name: role.name,
        permissions: JSON.stringify(role.permissions),
        description: role.description,
        created_at: role.createdAt,
        updated_at: role.updatedAt,
      })
      .execute()
    return true
  },

  async delete(db: SecurityDb, tenantId: string, name: string): Promise<boolean> {
    const result = await db
      .deleteFrom('sg_roles')
      .where('tenant_id', '=', tenantId)
      .where('name', '=', name)
      .executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  },
}
