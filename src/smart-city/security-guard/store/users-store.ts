import type { PageRequest } from '../../../kernel/pagination.js'
import { pageByCreation } from '../../../ports/sql-pagination.js'
import { type SecurityDb, type SecurityTables, parseStringArray } from './tables.js'

export type UserStatus = 'active' | 'disabled'

export interface UserRecord {
  id: string
  tenantId: string
  email: string
  emailKey: string
  name: string
  passwordHash: string
  roles: string[]
  status: UserStatus
  authVersion: number
  createdAt: number
  updatedAt: number
}

type Row = SecurityTables['sg_users']

export function toUserRecord(row: Row): UserRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    emailKey: row.email_key,
    name: row.name,
    passwordHash: row.password_hash,
    roles: parseStringArray(row.roles),
    status: row.status === 'active' ? 'active' : 'disabled',
    authVersion: Number(row.auth_version),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

/** Case-insensitive identity of an email: trimmed, NFC, lower-cased. */
export function emailKeyOf(email: string): string {
  return email.trim().normalize('NFC').toLowerCase()
}

/** Every query is scoped by tenant; a user of another tenant reads as absent. */
export const usersStore = {
  async insert(db: SecurityDb, user: UserRecord): Promise<void> {
    await db
      .insertInto('sg_users')
      .values({
        id: user.id,
        tenant_id: user.tenantId,
        email: user.email,
        email_key: user.emailKey,
        name: user.name,
        password_hash: user.passwordHash,
        roles: JSON.stringify(user.roles),
        status: user.status,
        auth_version: user.authVersion,
        created_at: user.createdAt,
        updated_at: user.updatedAt,
      })
      .execute()
  },

  async get(db: SecurityDb, tenantId: string, id: string): Promise<UserRecord | undefined> {
    const row = await db
      .selectFrom('sg_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toUserRecord(row)
  },

  /** Login lookup: the users with this email, in one tenant or (when not given) in any. */
  async findByEmail(
    db: SecurityDb,
    emailKey: string,
    tenantId: string | undefined,
    limit: number,
  ): Promise<UserRecord[]> {
    let query = db.selectFrom('sg_users').selectAll().where('email_key', '=', emailKey)
    if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId)
    const rows = await query.orderBy('created_at').limit(limit).execute()
    return rows.map(toUserRecord)
  },

  async list(db: SecurityDb, tenantId: string, page: PageRequest) {
    const query = db.selectFrom('sg_users').selectAll().where('tenant_id', '=', tenantId)
    return pageByCreation(query, page, toUserRecord)
  },

  async update(
    db: SecurityDb,
    tenantId: string,
    id: string,
    patch: Partial<
      Pick<UserRecord, 'name' | 'roles' | 'status' | 'passwordHash' | 'authVersion' | 'updatedAt'>
    >,
  ): Promise<boolean> {
    const result = await db
      .updateTable('sg_users')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.roles !== undefined && { roles: JSON.stringify(patch.roles) }),
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.passwordHash !== undefined && { password_hash: patch.passwordHash }),
        ...(patch.authVersion !== undefined && { auth_version: patch.authVersion }),
        ...(patch.updatedAt !== undefined && { updated_at: patch.updatedAt }),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  },

  async delete(db: SecurityDb, tenantId: string, id: string): Promise<boolean> {
    const result = await db
      .deleteFrom('sg_users')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst()
    return Number(result.numDeletedRows) === 1
  },

  /** Users holding a role; role names are `[a-z0-9-]`, so they are safe inside a LIKE pattern. */
  async countWithRole(db: SecurityDb, tenantId: string, role: string, activeOnly: boolean): Promise<number> {
    let query = db
      .selectFrom('sg_users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('roles', 'like', `%${JSON.stringify(role)}%`)
    if (activeOnly) query = query.where('status', '=', 'active')
    const row = await query.executeTakeFirstOrThrow()
    return Number(row.n)
  },
}
