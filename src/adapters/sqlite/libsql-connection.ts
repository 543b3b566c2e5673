import type Database from 'libsql'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

const transactionControl = /^\s*(begin|commit|end|rollback)\b/i
const maxPrepared = 500
const mayWrite = /^\s*(insert|update|delete|replace|create|drop|alter|with|reindex|analyze)\b/i

/**
 * The part of a libsql handle Kysely's SQLite driver uses, guarded against a libsql trait: a prepared statement
 * that fails with SQLITE_BUSY is not reset until it is garbage-collected, and until then the connection keeps a
 * stale snapshot (later reads miss other connections' writes, every write fails with SQLITE_BUSY_SNAPSHOT). A
 * failing `exec` cleans up after itself. So transaction control runs through `exec`, and a write outside a
 * transaction first takes the write lock with `exec('begin immediate')`; no prepared statement then waits for a lock.
 */
export function kyselyDatabaseOf(handle: Database.Database): SqliteDatabase {
  // Preparing is a good part of a small statement's cost; Kysely asks again for every execution.
  const prepared = new Map<string, Database.Statement>()
  const prepare = (sql: string): Database.Statement => {
    let statement = prepared.get(sql)
    if (!statement) {
      statement = handle.prepare(sql)
      if (prepared.size >= maxPrepared) prepared.delete(prepared.keys().next().value!)
      prepared.set(sql, statement)
    }
    return statement
  }
  return {
    close() {
      prepared.clear()
      if (handle.open) handle.close()
    },
    prepare(sql) {
      if (transactionControl.test(sql)) return execStatement(handle, sql)
      const statement = prepare(sql)
      const guard = mayWrite.test(sql) ? underWriteLock : runDirectly
      return {
        get reader() {
          return statement.reader
        },
        all: (parameters) => guard(handle, () => statement.all(bindable(parameters))),
        run: (parameters) => guard(handle, () => statement.run(bindable(parameters))),
        iterate: (parameters) => statement.iterate(bindable(parameters)),
      }
    },
  }
}

function execStatement(handle: Database.Database, sql: string): SqliteStatement {
  return {
    reader: false,
    all: () => (handle.exec(sql), []),
    run: () => (handle.exec(sql), { changes: 0, lastInsertRowid: 0 }),
    iterate: () => (handle.exec(sql), [][Symbol.iterator]()),
  }
}

function runDirectly<T>(_handle: Database.Database, run: () => T): T {
  return run()
}

function underWriteLock<T>(handle: Database.Database, run: () => T): T {
  if (handle.inTransaction) return run()
  handle.exec('begin immediate')
  try {
    const result = run()
    handle.exec('commit')
    return result
  } catch (error) {
    if (handle.inTransaction) handle.exec('rollback')
    throw error
  }
}

// libsql aborts the whole process (a native panic) when asked to bind a boolean; SQLite keeps booleans as 0/1.
function bindable(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value))
}
