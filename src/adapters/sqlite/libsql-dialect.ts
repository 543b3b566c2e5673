import type Database from 'libsql'
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
} from 'kysely'
import { kyselyDatabaseOf } from './libsql-connection.js'

/**
 * Kysely's SQLite dialect over a libsql handle, changed in two ways:
 * - Transactions begin IMMEDIATE. A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
 *   when another connection wrote in between (busy_timeout does not cover that lock upgrade); taking the write lock
 *   up front makes writers wait their turn instead, and makes the migration transaction a cross-process lock.
 * - The adapter declares transactional DDL, which SQLite has, so migrations run in one transaction.
 */
export function createLibsqlDialect(handle: Database.Database): SqliteDialect {
  return new LibsqlDialect(kyselyDatabaseOf(handle))
}

class LibsqlDialect extends SqliteDialect {
  readonly #database: SqliteDatabase

  constructor(database: SqliteDatabase) {
    super({ database })
    this.#database = database
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver({ database: this.#database })
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlAdapter()
  }
}

class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class TransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}
