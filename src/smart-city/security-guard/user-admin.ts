import type { PageRequest } from '../../kernel/pagination.js'
import type { Principal } from '../../kernel/principal.js'
import { type RequestMeta, actorOf } from './audit-log.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { checkPasswordPolicy } from './passwords/password-policy.js'
import { ensureRolesExist } from './role-admin.js'
import { apiKeysStore } from './store/api-keys-store.js'
import { sessionsStore } from './store/sessions-store.js'
import type { SecurityDb } from './store/tables.js'
import { type UserRecord, emailKeyOf, usersStore } from './store/users-store.js'
import { type UserView, userView } from './views.js'

/**
 * Admins manage the users of their own tenant. Any change to roles, status or password bumps the user's auth
 * version, which invalidates their access tokens on every node at once; disabling, deleting or a new password
 * also revokes their login sessions. A tenant always keeps one active admin.
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

export function createUserAdmin(ctx: SecurityContext) {
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

  async function afterAuthChange(
    user: UserRecord,
    status: 'active' | 'disabled' | 'deleted',
    revokeSessions: boolean,
  ) {
    await ctx.authState.userChanged(user.id, { status, authVersion: user.authVersion + 1 })
    if (!revokeSessions) return
    const revoked = await sessionsStore.revokeUserSessions(
      ctx.db,
      { tenantId: user.tenantId, userId: user.id },
      ctx.clock.now(),
      status,
    )
    for (const sessionId of revoked) await ctx.authState.sessionRevoked(sessionId)
  }

  return {
    async create(principal: Principal, input: CreateUserInput, meta: RequestMeta): Promise<UserView> {
      const roles = [...new Set(input.roles ?? ['member'])]
      await ensureRolesExist(ctx, principal.tenantId, roles)
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
      if (input.roles !== undefined) await ensureRolesExist(ctx, principal.tenantId, input.roles)
      if (input.password !== undefined) checkPasswordPolicy(input.password)
      const passwordHash = input.password === undefined ? undefined : await ctx.hasher.hash(input.password)
      const { before, after } = await ctx.transaction(async (db) => {
        const current = await requireUser(db, principal.tenantId, id)
        const roles = input.roles === undefined ? current.roles : [...new Set(input.roles)]
        const status = input.status ?? current.status
        await keepAnAdmin(db, principal.tenantId, current, { roles, status })
        const authChanged =
          passwordHash !== undefined ||
          status !== current.status ||
          JSON.stringify(roles) !== JSON.stringify(current.roles)
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
        await afterAuthChange(before, after.status, after.status === 'disabled' || passwordHash !== undefined)
      }
      return userView(after)
    },

    async remove(principal: Principal, id: string, meta: RequestMeta): Promise<void> {
      const user = await ctx.transaction(async (db) => {
        const current = await requireUser(db, principal.tenantId, id)
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
      await afterAuthChange(user, 'deleted', true)
    },
  }
}

export type UserAdmin = ReturnType<typeof createUserAdmin>
