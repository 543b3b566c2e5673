import type { PageRequest } from '../../kernel/pagination.js'
import type { Principal } from '../../kernel/principal.js'
import { type RequestMeta, actorOf } from './audit-log.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { checkPasswordPolicy } from './passwords/password-policy.js'
import { covers, permissionsOf } from './permissions.js'
import { ensureRolesExist } from './role-admin.js'
import { apiKeysStore } from './store/api-keys-store.js'
import { rolesStore } from './store/roles-store.js'
import type { SecurityDb } from './store/tables.js'
import { type UserRecord, emailKeyOf, usersStore } from './store/users-store.js'
import { afterAuthChange } from './user-access.js'
import { type UserView, userView } from './views.js'

/**
 * Admins manage the users of their own tenant. Any change to roles, status or password bumps the user's auth
 * version, which invalidates their access tokens on every node at once; disabling, deleting or a new password
 * also revokes their login sessions. A tenant always keeps one active admin. Whoever holds `user:*` without being an
 * admin can neither grant roles beyond their own permissions nor change or delete a user who holds more than they
 * do; and when a user's roles shrink, their API keys that now exceed them are revoked.
 */
export interface CreateUserInput {
  email: string
  password: string
  name: string
  roles?: string[] | undefined
}

export interface UpdateUserInput {
  name?: string | undefined
  roles?: string[] | undefined
  status?: 'active' | 'disabled' | undefined
  password?: string | undefined
}

function isActiveAdmin(user: Pick<UserRecord, 'roles' | 'status'>): boolean {
  return user.status === 'active' && user.roles.includes('admin')
}

type CustomRoles = ReadonlyMap<string, readonly string[]>

export function createUserAdmin(ctx: SecurityContext) {
  async function customRolesOf(db: SecurityDb, tenantId: string): Promise<CustomRoles> {
    return new Map((await rolesStore.list(db, tenantId)).map((r) => [r.name, r.permissions]))
  }

  /** Refuses to grant `roles` unless the caller's own permissions already allow everything they would. */
  function mayGrant(principal: Principal, roles: readonly string[], customRoles: CustomRoles): void {
    const beyond = roles.filter((r) => !covers(principal.permissions, permissionsOf([r], customRoles)))
    if (beyond.length > 0) throw securityErrors.ROLE_ESCALATION({ roles: beyond })
  }

  /** Refuses to change or delete a user who holds permissions the caller does not. */
  function mayManage(
    principal: Principal,
    target: UserRecord,
    customRoles: CustomRoles,
    action: string,
  ): void {
    if (!covers(principal.permissions, permissionsOf(target.roles, customRoles))) {
      throw securityErrors.PERMISSION_DENIED({ permission: `${action} (the user holds roles beyond yours)` })
    }
  }

  /** Revokes the user's API keys whose roles now exceed what the user holds. */
  async function revokeKeysBeyond(
    db: SecurityDb,
    user: UserRecord,
    customRoles: CustomRoles,
    by: { principal: Principal; meta: RequestMeta },
  ): Promise<void> {
    const held = permissionsOf(user.roles, customRoles)
    for (const key of await apiKeysStore.listActiveOfUser(db, user.tenantId, user.id)) {
      if (covers(held, permissionsOf(key.roles, customRoles))) continue
      await apiKeysStore.revoke(db, user.tenantId, key.id, ctx.clock.now())
      await ctx.audit.record(
        db,
        {
          tenantId: user.tenantId,
          action: 'api_key.revoke',
          outcome: 'success',
          actor: actorOf(by.principal),
          target: { type: 'api_key', id: key.id },
          details: { reason: 'the creator no longer holds its roles' },
        },
        by.meta,
      )
    }
  }

  async function requireUser(db: SecurityDb, tenantId: string, id: string): Promise<UserRecord> {
    const user = await usersStore.get(db, tenantId, id)
    if (!user) throw securityErrors.USER_NOT_FOUND({ id })
    return user
  }

  async function keepAnAdmin(
    db: SecurityDb,
    tenantId: string,
    before: UserRecord,
    after: Pick<UserRecord, 'roles' | 'status'> | null,
  ) {
    if (!isActiveAdmin(before) || (after !== null && isActiveAdmin(after))) return
    await lockTenant(db, tenantId)
    if ((await usersStore.countWithRole(db, tenantId, 'admin', true)) <= 1) throw securityErrors.LAST_ADMIN()
  }

  /** Serialises admin changes per tenant on PostgreSQL (SQLite transactions are already serialised). */
  async function lockTenant(db: SecurityDb, tenantId: string) {
    if (ctx.database.dialect === 'postgres') {
      await db.selectFrom('sg_tenants').select('id').where('id', '=', tenantId).forUpdate().execute()
    }
  }

  return {
    async create(principal: Principal, input: CreateUserInput, meta: RequestMeta): Promise<UserView> {
      const roles = [...new Set(input.roles ?? ['member'])]
      mayGrant(principal, roles, await ensureRolesExist(ctx, principal.tenantId, roles))
      checkPasswordPolicy(input.password, { email: input.email, name: input.name })
      const now = ctx.clock.now()
      const user: UserRecord = {
        id: ctx.ids.next('usr'),
        tenantId: principal.tenantId,
        email: input.email.trim(),
        emailKey: emailKeyOf(input.email),
        name: input.name.trim(),
        passwordHash: await ctx.hasher.hash(input.password),
        roles,
        status: 'active',
        authVersion: 0,
        createdAt: now,
        updatedAt: now,
      }
      await ctx.transaction(async (db) => {
        const clash = await usersStore.findByEmail(db, user.emailKey, principal.tenantId, 1)
        if (clash.length > 0) throw securityErrors.EMAIL_TAKEN()
        await usersStore.insert(db, user).catch((error: unknown) => {
          throw ctx.database.classifyError(error) === 'unique_violation'
            ? securityErrors.EMAIL_TAKEN()
            : error
        })
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'user.create',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'user', id: user.id },
            details: { roles },
          },
          meta,
        )
      })
      return userView(user)
    },

    async get(principal: Principal, id: string): Promise<UserView> {
      return userView(await requireUser(ctx.db, principal.tenantId, id))
    },

    async list(principal: Principal, page: PageRequest) {
      const result = await usersStore.list(ctx.db, principal.tenantId, page)
      return { items: result.items.map(userView), nextCursor: result.nextCursor }
    },

    async update(
      principal: Principal,
      id: string,
      input: UpdateUserInput,
      meta: RequestMeta,
    ): Promise<UserView> {
      if (input.roles !== undefined)
        mayGrant(principal, input.roles, await ensureRolesExist(ctx, principal.tenantId, input.roles))
      if (input.password !== undefined) checkPasswordPolicy(input.password)
      const passwordHash = input.password === undefined ? undefined : await ctx.hasher.hash(input.password)
      const { before, after } = await ctx.transaction(async (db) => {
        const current = await requireUser(db, principal.tenantId, id)
        const customRoles = await customRolesOf(db, principal.tenantId)
        mayManage(principal, current, customRoles, 'user:update')
        const roles = input.roles === undefined ? current.roles : [...new Set(input.roles)]
        const status = input.status ?? current.status
        await keepAnAdmin(db, principal.tenantId, current, { roles, status })
        const rolesChanged = JSON.stringify(roles) !== JSON.stringify(current.roles)
        const authChanged = passwordHash !== undefined || status !== current.status || rolesChanged
        const next: UserRecord = {
          ...current,
          name: input.name?.trim() ?? current.name,
          roles,
          status,
          passwordHash: passwordHash ?? current.passwordHash,
          authVersion: authChanged ? current.authVersion + 1 : current.authVersion,
          updatedAt: ctx.clock.now(),
        }
        await usersStore.update(db, principal.tenantId, id, next)
        if (rolesChanged) await revokeKeysBeyond(db, next, customRoles, { principal, meta })
        const changed = Object.keys(input).filter(
          (k) => k !== 'password' && input[k as keyof UpdateUserInput] !== undefined,
        )
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'user.update',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'user', id },
            details: { changed: passwordHash === undefined ? changed : [...changed, 'password'] },
          },
          meta,
        )
        return { before: current, after: next }
      })
      if (after.authVersion !== before.authVersion) {
        await afterAuthChange(
          ctx,
          before,
          after.status,
          after.status === 'disabled' || passwordHash !== undefined,
        )
      }
      return userView(after)
    },

    async remove(principal: Principal, id: string, meta: RequestMeta): Promise<void> {
      const user = await ctx.transaction(async (db) => {
        const current = await requireUser(db, principal.tenantId, id)
        mayManage(principal, current, await customRolesOf(db, principal.tenantId), 'user:delete')
        await keepAnAdmin(db, principal.tenantId, current, null)
        await usersStore.delete(db, principal.tenantId, id)
        await apiKeysStore.revokeAllOf(db, principal.tenantId, id, ctx.clock.now())
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'user.delete',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'user', id },
          },
          meta,
        )
        return current
      })
      await afterAuthChange(ctx, user, 'deleted', true)
    },
  }
}

export type UserAdmin = ReturnType<typeof createUserAdmin>
