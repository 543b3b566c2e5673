import type { Principal } from '../../kernel/principal.js'
import { type RequestMeta, actorOf } from './audit-log.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { builtInRoles, covers, isBuiltInRole } from './permissions.js'
import { apiKeysStore } from './store/api-keys-store.js'
import { rolesStore } from './store/roles-store.js'
import { usersStore } from './store/users-store.js'

export interface RoleView {
  name: string
  permissions: string[]
  builtIn: boolean
  description: string | null
}

/** The tenant's custom roles, failing with ROLE_UNKNOWN if any of `roles` is neither built in nor defined. */
export async function ensureRolesExist(
  ctx: SecurityContext,
  tenantId: string,
  roles: readonly string[],
): Promise<ReadonlyMap<string, readonly string[]>> {
  const custom = new Map((await rolesStore.list(ctx.db, tenantId)).map((r) => [r.name, r.permissions]))
  const unknown = roles.filter((r) => !isBuiltInRole(r) && !custom.has(r))
  if (unknown.length > 0) throw securityErrors.ROLE_UNKNOWN({ roles: unknown })
  return custom
}

export function createRoleAdmin(ctx: SecurityContext) {
  async function rolesChanged(tenantId: string): Promise<void> {
    await ctx.authState.rolesChanged(tenantId, ctx.ids.next('rv'))
  }

  return {
    async list(principal: Principal): Promise<RoleView[]> {
      const builtIn = Object.entries(builtInRoles).map(([name, permissions]) => ({
        name,
        permissions: [...permissions],
        builtIn: true,
        description: null,
      }))
      const custom = (await rolesStore.list(ctx.db, principal.tenantId)).map((r) => ({
        name: r.name,
        permissions: r.permissions,
        builtIn: false,
        description: r.description,
      }))
      return [...builtIn, ...custom]
    },

    async put(
      principal: Principal,
      name: string,
      input: { permissions: string[]; description?: string | undefined },
      meta: RequestMeta,
    ): Promise<{ role: RoleView; created: boolean }> {
      if (isBuiltInRole(name)) throw securityErrors.ROLE_BUILT_IN({ name })
      const permissions = [...new Set(input.permissions)]
      // A role may hold only what its author holds; otherwise `role:update` would be a way to become admin.
      const beyond = permissions.filter((p) => !covers(principal.permissions, [p]))
      if (beyond.length > 0) throw securityErrors.ROLE_ESCALATION({ roles: [name], permissions: beyond })
      const now = ctx.clock.now()
      const created = await ctx.transaction(async (db) => {
        const wasCreated = await rolesStore.upsert(db, {
          tenantId: principal.tenantId,
          name,
          permissions,
          description: input.description ?? null,
          createdAt: now,
          updatedAt: now,
        })
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'role.put',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'role', id: name },
            details: { permissions },
          },
          meta,
        )
        return wasCreated
      })
      await rolesChanged(principal.tenantId)
      return { role: { name, permissions, builtIn: false, description: input.description ?? null }, created }
    },

    async remove(principal: Principal, name: string, meta: RequestMeta): Promise<void> {
      if (isBuiltInRole(name)) throw securityErrors.ROLE_BUILT_IN({ name })
      await ctx.transaction(async (db) => {
        const holders =
          (await usersStore.countWithRole(db, principal.tenantId, name, false)) +
          (await apiKeysStore.countWithRole(db, principal.tenantId, name, ctx.clock.now()))
        if (holders > 0) throw securityErrors.ROLE_IN_USE({ name, count: holders })
        if (!(await rolesStore.delete(db, principal.tenantId, name)))
          throw securityErrors.ROLE_NOT_FOUND({ name })
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'role.delete',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'role', id: name },
          },
          meta,
        )
      })
      await rolesChanged(principal.tenantId)
    },
  }
}

export type RoleAdmin = ReturnType<typeof createRoleAdmin>
