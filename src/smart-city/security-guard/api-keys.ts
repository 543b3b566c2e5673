import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { PageRequest } from '../../kernel/pagination.js'
import type { Principal } from '../../kernel/principal.js'
import { type RequestMeta, actorOf } from './audit-log.js'
import type { SecurityContext } from './context.js'
import { securityErrors } from './errors.js'
import { covers, decide, permissionsOf } from './permissions.js'
import { ensureRolesExist } from './role-admin.js'
import { type ApiKeyRecord, apiKeysStore } from './store/api-keys-store.js'
import { type ApiKeyView, apiKeyView } from './views.js'

/**
 * API keys: `sk_<26-char id>.<43-char secret>`, shown once. Only SHA-256 of the whole key is stored (the key is
 * 256 random bits, so a fast hash is enough); `prefix` is the visible part for lists. A key acts for the user
 * who made it, with the roles it was given (never more than that user holds), until it expires or is revoked.
 */
const keyPattern = /^sk_([0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/
const touchEveryMs = 60_000

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/** The key record a presented key names, or undefined when malformed, unknown or not matching. */
export async function findApiKey(ctx: SecurityContext, presented: string): Promise<ApiKeyRecord | undefined> {
  const match = keyPattern.exec(presented)
  if (!match) return undefined
  const record = await apiKeysStore.getForAuthentication(ctx.db, `key_${match[1]}`)
  if (!record) return undefined
  const expected = Buffer.from(record.keyHash, 'hex')
  const actual = Buffer.from(hashApiKey(presented), 'hex')
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? record : undefined
}

export async function touchApiKey(ctx: SecurityContext, record: ApiKeyRecord): Promise<void> {
  const now = ctx.clock.now()
  if (record.lastUsedAt === null || now - record.lastUsedAt >= touchEveryMs)
    await apiKeysStore.touch(ctx.db, record.id, now)
}

export interface CreateApiKeyInput {
  name: string
  roles?: string[] | undefined
  expiresAt?: number | undefined
}

export function createApiKeys(ctx: SecurityContext) {
  const canManageAll = (principal: Principal) => decide(principal.permissions, 'api-key', 'manage').allowed

  return {
    async create(
      principal: Principal,
      input: CreateApiKeyInput,
      meta: RequestMeta,
    ): Promise<ApiKeyView & { key: string }> {
      if (principal.kind === 'api_key') {
        throw securityErrors.PERMISSION_DENIED({ permission: 'api-key:create (API keys cannot mint keys)' })
      }
      const now = ctx.clock.now()
      if (input.expiresAt !== undefined && input.expiresAt <= now) {
        throw securityErrors.INVALID_EXPIRY({ expiresAt: new Date(input.expiresAt).toISOString() })
      }
      const roles = [...new Set(input.roles ?? principal.roles)]
      const customRoles = await ensureRolesExist(ctx, principal.tenantId, roles)
      const requested = permissionsOf(roles, customRoles)
      if (!covers(principal.permissions, requested)) {
        throw securityErrors.ROLE_ESCALATION({
          roles: roles.filter((r) => !covers(principal.permissions, permissionsOf([r], customRoles))),
        })
      }
      const idPart = ctx.ids.next('key').slice(4)
      const key = `sk_${idPart}.${randomBytes(32).toString('base64url')}`
      const record: ApiKeyRecord = {
        id: `key_${idPart}`,
        tenantId: principal.tenantId,
        userId: principal.userId,
        name: input.name.trim(),
        prefix: `sk_${idPart.slice(0, 8)}`,
        keyHash: hashApiKey(key),
        roles,
        createdAt: now,
        expiresAt: input.expiresAt ?? null,
        lastUsedAt: null,
        revokedAt: null,
      }
      await ctx.transaction(async (db) => {
        await apiKeysStore.insert(db, record)
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'api_key.create',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'api_key', id: record.id },
            details: { roles },
          },
          meta,
        )
      })
      return { ...apiKeyView(record), key }
    },

    async list(principal: Principal, page: PageRequest) {
      const owner = canManageAll(principal) ? undefined : principal.userId
      const result = await apiKeysStore.list(ctx.db, principal.tenantId, owner, page)
      return { items: result.items.map(apiKeyView), nextCursor: result.nextCursor }
    },

    async revoke(principal: Principal, id: string, meta: RequestMeta): Promise<void> {
      const record = await apiKeysStore.get(ctx.db, principal.tenantId, id)
      if (
        !record ||
        record.revokedAt !== null ||
        (!canManageAll(principal) && record.userId !== principal.userId)
      ) {
        throw securityErrors.API_KEY_NOT_FOUND({ id })
      }
      await ctx.transaction(async (db) => {
        await apiKeysStore.revoke(db, principal.tenantId, id, ctx.clock.now())
        await ctx.audit.record(
          db,
          {
            tenantId: principal.tenantId,
            action: 'api_key.revoke',
            outcome: 'success',
            actor: actorOf(principal),
            target: { type: 'api_key', id },
          },
          meta,
        )
      })
    },
  }
}

export type ApiKeys = ReturnType<typeof createApiKeys>
