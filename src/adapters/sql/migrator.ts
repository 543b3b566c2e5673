import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import { storageErrors } from '../../ports/errors.js'
import type { AnyDatabase, MigrationReport, SqlDialect, SqlMigration } from '../../ports/sql-database.js'

export const migrationTableName = 'symphainy_migration'
export const migrationLockTableName = 'symphainy_migration_lock'
const setupAttempts = 5

function failedInSetup(outcome: { error?: unknown; results?: { status: string }[] }): boolean {
  return outcome.error !== undefined && !(outcome.results ?? []).some((result) => result.status === 'Error')
}

/**
 * Applies the pending migrations with Kysely's Migrator, which holds the dialect's migration lock and (both
 * adapters declare transactional DDL) runs the whole batch in one transaction: a failure raises MIGRATION_FAILED
 * naming the migration and leaves the schema as it was before this call.
 */
export async function runMigrations(
  db: Kysely<AnyDatabase>,
  dialect: SqlDialect,
  migrations: SqlMigration[],
  options: { schema?: string } = {},
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: providerOf(migrations, dialect),
    migrationTableName,
    migrationLockTableName,
    migrationTableSchema: options.schema,
    // Each service numbers its migrations in its own block (0010 Conductor, 0020 Post Office, …), so a service's
    // new migration sorts before another's already applied; each is still applied once, in name order.
    allowUnorderedMigrations: true,
  })
  // Kysely creates its own tables before it takes the lock, so nodes starting together can collide there
  // (PostgreSQL reports a duplicate type); nothing was applied then, and trying again sees the tables.
  let outcome = await migrator.migrateToLatest()
  for (let attempt = 1; attempt < setupAttempts && failedInSetup(outcome); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
    outcome = await migrator.migrateToLatest()
  }
  const { error, results = [] } = outcome
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')
    throw storageErrors.MIGRATION_FAILED({ name: failed?.migrationName ?? 'setup' }, error)
  }
  const applied = results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName)
  const alreadyApplied = migrations
    .map((migration) => migration.name)
    .filter((name) => !applied.includes(name))
    .sort()
  return { applied, alreadyApplied }
}

function providerOf(migrations: SqlMigration[], dialect: SqlDialect): MigrationProvider {
  const byName: Record<string, Migration> = {}
  for (const migration of migrations) {
    if (Object.hasOwn(byName, migration.name)) {
      throw storageErrors.MIGRATION_FAILED(
        { name: migration.name },
        new Error(`Two migrations are named ${migration.name}`),
      )
    }
    byName[migration.name] = { up: (db) => migration.up(db, dialect) }
  }
  return { getMigrations: () => Promise.resolve(byName) }
}
