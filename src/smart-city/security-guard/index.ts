import type { Clock } from '../../kernel/clock.js'
import type { PlatformConfig } from '../../kernel/config.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { PlatformService } from '../../kernel/lifecycle.js'
import type { Logger } from '../../kernel/logger.js'
import type { KeyValueStore } from '../../ports/key-value-store.js'
import type { PubSub } from '../../ports/pub-sub.js'
import { revocationTopic } from '../../kernel/revocations.js'
import type { SqlDatabase, SqlMigration } from '../../ports/sql-database.js'
import { createAccounts } from './accounts.js'
import { createApiKeys } from './api-keys.js'
import { createAuditLog } from './audit-log.js'
import { createAuthStateCache } from './auth-state.js'
import { createAuthenticator } from './authenticator.js'
import type { SecurityContext } from './context.js'
import { createCustomRolesCache } from './custom-roles-cache.js'
import { createLoginLimiter } from './login-limiter.js'
import { securityGuardCoreMigration } from './migrations.js'
import { createPasswordHasher } from './passwords/password-hasher.js'
import { createRoleAdmin } from './role-admin.js'
import { type SecurityGuard, createSecurityGuard } from './security-guard.js'
import { sessionsStore } from './store/sessions-store.js'
import { securityDb, type SecurityDb } from './store/tables.js'
import { usersStore } from './store/users-store.js'
import { type AccessTokens, createAccessTokens } from './tokens/access-tokens.js'
import { type SigningKeyRing, loadSigningKeyRing, signingKeysMigration } from './tokens/signing-keys.js'
import { createUserAdmin } from './user-admin.js'

export type { SecurityGuard } from './security-guard.js'
export { securityErrors } from './errors.js'
export { builtInRoles } from './permissions.js'

export const securityGuardVersion = '1.0.0'
export const securityGuardMigrations: SqlMigration[] = [securityGuardCoreMigration, signingKeysMigration]

export interface SecurityGuardDeps {
  database: SqlDatabase
  keyValue: KeyValueStore
  pubSub: PubSub
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: PlatformConfig['security']
}

/** The Security Guard and its registry entry. Starting it loads (or on first start creates) the signing keys. */
export function createSecurityGuardService(deps: SecurityGuardDeps): {
  securityGuard: SecurityGuard
  service: PlatformService
} {
  const db = securityDb(deps.database)
  let ring: SigningKeyRing | undefined
  let tokens: AccessTokens | undefined
  const ctx: SecurityContext = {
    database: deps.database,
    db,
    clock: deps.clock,
    ids: deps.ids,
    logger: deps.logger,
    settings: deps.settings,
    hasher: createPasswordHasher({
      logN: deps.settings.scryptLogN,
      concurrency: deps.settings.hashConcurrency,
      queueLimit: deps.settings.hashQueueLimit,
    }),
    authState: createAuthStateCache(
      deps.keyValue,
      {
        async user(tenantId, userId) {
          const user = await usersStore.get(db, tenantId, userId)
          return user
            ? { status: user.status, authVersion: user.authVersion }
            : { status: 'deleted', authVersion: 0 }
        },
        async session(sessionId) {
          const session = await sessionsStore.getSession(db, sessionId)
          return session?.status === 'active' && session.expiresAt > deps.clock.now() ? 'active' : 'revoked'
        },
      },
      () => deps.ids.next('rv'),
    ),
    limiter: createLoginLimiter(deps.keyValue, deps.clock, {
      accountMaxFailures: deps.settings.loginMaxFailures,
      ipMaxFailures: deps.settings.loginIpMaxFailures,
      lockMs: deps.settings.loginLockSeconds * 1000,
    }),
    audit: createAuditLog(deps.clock),
    customRoles: createCustomRolesCache(),
    announceRevocation: (revocation) => deps.pubSub.publish(revocationTopic, JSON.stringify(revocation)),
    transaction: (fn) => deps.database.transaction((trx) => fn(trx as unknown as SecurityDb)),
    tokens() {
      if (!tokens) throw new Error('The Security Guard has not started')
      return tokens
    },
  }
  const securityGuard = createSecurityGuard(ctx, {
    accounts: createAccounts(ctx),
    users: createUserAdmin(ctx),
    roles: createRoleAdmin(ctx),
    apiKeys: createApiKeys(ctx),
    authenticator: createAuthenticator(ctx),
    jwks: () => ring?.jwks() ?? { keys: [] },
  })
  const service: PlatformService = {
    descriptor: {
      name: 'security-guard',
      realm: 'smart-city',
      version: securityGuardVersion,
      capabilities: ['authentication', 'authorization', 'tenants', 'users', 'api-keys', 'audit'],
      dependsOn: ['curator'],
    },
    async start() {
      ring = await loadSigningKeyRing({
        database: deps.database,
        clock: deps.clock,
        ...(deps.settings.jwtPrivateKeyFile !== undefined && {
          privateKeyFile: deps.settings.jwtPrivateKeyFile,
        }),
      })
      tokens = createAccessTokens({
        keys: ring,
        clock: deps.clock,
        ids: deps.ids,
        issuer: deps.settings.jwtIssuer,
        audience: deps.settings.jwtAudience,
        ttlSeconds: deps.settings.accessTokenTtlSeconds,
      })
    },
    async healthCheck() {
      const { running, queued } = ctx.hasher.stats()
      const saturated = queued >= deps.settings.hashQueueLimit && deps.settings.hashQueueLimit > 0
      // Authentication reads revocation state from the key-value store on every request: no store, no service.
      const store = await deps.keyValue.ping().then(
        () => 'up',
        (error: unknown) => `down: ${error instanceof Error ? error.message : 'unreachable'}`,
      )
      return {
        status: !tokens || store !== 'up' ? 'unhealthy' : saturated ? 'degraded' : 'healthy',
        details: { signingKey: ring?.current.kid ?? null, hashing: { running, queued }, keyValue: store },
      }
    },
  }
  return { securityGuard, service }
}
