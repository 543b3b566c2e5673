import type { PageRequest } from '../../kernel/pagination.js'
import type { Principal } from '../../kernel/principal.js'
import type { Accounts } from './accounts.js'
import type { ApiKeys } from './api-keys.js'
import { type RequestMeta, actorOf } from './audit-log.js'
import type { Authenticator } from './authenticator.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { type PermissionDecision, decide, permissionsOf } from './permissions.js'
import type { RoleAdmin } from './role-admin.js'
import { auditStore } from './store/audit-store.js'
import { tenantsStore } from './store/tenants-store.js'
import { usersStore } from './store/users-store.js'
import type { UserAdmin } from './user-admin.js'
import { tenantView, userView } from './views.js'

/** The Security Guard as other services and the gateway see it. */
export interface SecurityGuard {
  accounts: Accounts
  users: UserAdmin
  roles: RoleAdmin
  apiKeys: ApiKeys
  authenticateHeader: Authenticator['authenticateHeader']
  authenticateToken: Authenticator['authenticateToken']
  /** Deny by default: whether the principal's roles grant `resource:action`. */
  checkPermission(principal: Principal, resource: string, action: string): PermissionDecision
  /** Records a refused request in the tenant's audit log. */
  recordDenial(principal: Principal, permission: string, meta: RequestMeta & { route: string }): Promise<void>
  /**
   * `POST /permissions/check`: for the caller, or for another user of the tenant. Asking about someone else needs
   * `permission:read` (an admin resource): a user's effective permissions are administration data.
   */
  checkPermissionFor(
    principal: Principal,
    input: { resource: string; action: string; userId?: string | undefined },
  ): Promise<PermissionDecision>
  me(principal: Principal): Promise<unknown>
  audit(
    principal: Principal,
    filter: { action?: string | undefined },
    page: PageRequest,
  ): ReturnType<typeof auditStore.list>
  jwks(): { keys: unknown[] }
}

export interface SecurityGuardParts {
  accounts: Accounts
  users: UserAdmin
  roles: RoleAdmin
  apiKeys: ApiKeys
  authenticator: Authenticator
  jwks(): { keys: unknown[] }
}

export function createSecurityGuard(ctx: SecurityContext, parts: SecurityGuardParts): SecurityGuard {
  return {
    accounts: parts.accounts,
    users: parts.users,
    roles: parts.roles,
    apiKeys: parts.apiKeys,
    authenticateHeader: (header) => parts.authenticator.authenticateHeader(header),
    authenticateToken: (token) => parts.authenticator.authenticateToken(token),
    checkPermission: (principal, resource, action) => decide(principal.permissions, resource, action),

    async recordDenial(principal, permission, meta) {
      await ctx.audit.record(
        ctx.db,
        {
          tenantId: principal.tenantId,
          action: 'permission.denied',
          outcome: 'denied',
          actor: actorOf(principal),
          target: null,
          details: { permission, route: meta.route },
        },
        meta,
      )
    },

    async checkPermissionFor(principal, input) {
      if (input.userId === undefined || input.userId === principal.userId) {
        return decide(principal.permissions, input.resource, input.action)
      }
      if (!decide(principal.permissions, 'permission', 'read').allowed)
        throw securityErrors.PERMISSION_DENIED({ permission: 'permission:read' })
      const user = await usersStore.get(ctx.db, principal.tenantId, input.userId)
      if (!user) throw securityErrors.USER_NOT_FOUND({ id: input.userId })
      if (user.status !== 'active') return { allowed: false, reason: 'the user is disabled' }
      const snapshot = await ctx.authState.read(user.tenantId, user.id, null)
      const customRoles = await ctx.customRoles.get(ctx.db, user.tenantId, snapshot.rolesVersion)
      return decide(permissionsOf(user.roles, customRoles), input.resource, input.action)
    },

    async me(principal) {
      const user = await usersStore.get(ctx.db, principal.tenantId, principal.userId)
      const tenant = await tenantsStore.get(ctx.db, principal.tenantId)
      if (!user || !tenant) throw securityErrors.INVALID_TOKEN({ reason: 'revoked' })
      return {
        user: userView(user),
        tenant: tenantView(tenant),
        roles: principal.roles,
        permissions: principal.permissions,
        via: principal.kind,
        apiKeyId: principal.apiKeyId,
      }
    },

    audit: (principal, filter, page) => auditStore.list(ctx.db, principal.tenantId, filter, page),
    jwks: () => parts.jwks(),
  }
}
