import type { Kysely } from 'kysely'
import type { Clock } from '../../kernel/clock.js'
import type { PlatformConfig } from '../../kernel/config.js'
import type { IdGenerator } from '../../kernel/ids.js'
import type { Logger } from '../../kernel/logger.js'
import type { Revocation } from '../../kernel/revocations.js'
import type { SqlDatabase } from '../../ports/sql-database.js'
import type { AuditLog } from './audit-log.js'
import type { AuthStateCache } from './auth-state.js'
import type { CustomRolesCache } from './custom-roles-cache.js'
import type { LoginLimiter } from './login-limiter.js'
import type { PasswordHasher } from './passwords/password-hasher.js'
import type { SecurityDb, SecurityTables } from './store/tables.js'
import type { AccessTokens } from './tokens/access-tokens.js'

/** Everything the Security Guard's parts share, built once by index.ts. */
export interface SecurityContext {
  database: SqlDatabase
  db: Kysely<SecurityTables>
  clock: Clock
  ids: IdGenerator
  logger: Logger
  settings: PlatformConfig['security']
  hasher: PasswordHasher
  authState: AuthStateCache
  limiter: LoginLimiter
  audit: AuditLog
  customRoles: CustomRolesCache
  /** Tells every node that a user's (or one login session's) credentials no longer hold, so open sockets close. */
  announceRevocation(revocation: Revocation): Promise<void>
  transaction<T>(fn: (db: SecurityDb) => Promise<T>): Promise<T>
  /** Available once the service has started (the signing keys live in the database). */
  tokens(): AccessTokens
}
