import { sql } from 'kysely'
import type { Gateway } from '../../src/gateway/build-gateway.js'
import { routeTable } from '../../src/gateway/authentication.js'
import type { SqlDatabase } from '../../src/ports/sql-database.js'

/**
 * The cross-tenant sweep later issues reuse: for every id-bearing route the gateway registered, call it with
 * tenant B's credentials and tenant A's ids, expect 404, and prove every row of tenant A is byte-identical before
 * and after. A route with a path parameter needs a fixture (A's ids, and a valid body when it takes one) or a
 * written exemption; a new route without either fails the sweep, so nobody can forget it.
 */
export interface SweepCase {
  /** Tenant A's values for the route's path parameters. */
  params: Record<string, string>
  body?: unknown
}

export interface SweepOptions {
  gateway: Gateway
  database: SqlDatabase
  victimTenantId: string
  attackerAuth: Record<string, string>
  /** Keyed by `METHOD /url/:template` exactly as registered. */
  cases: Record<string, SweepCase>
  /** Routes whose parameters are not tenant-owned ids, with the reason. */
  exempt: Record<string, string>
}

export interface SweepResult {
  checked: string[]
  failures: string[]
  missingCases: string[]
  victimRowsBefore: number
  victimChanged: boolean
}

export function idBearingRoutes(gateway: Gateway): string[] {
  return routeTable(gateway)
    .filter(
      (r) =>
        r.url.includes(':') && !('public' in r.security) && r.method !== 'HEAD' && r.method !== 'OPTIONS',
    )
    .map((r) => `${r.method} ${r.url}`)
}

export async function crossTenantSweep(options: SweepOptions): Promise<SweepResult> {
  const routes = idBearingRoutes(options.gateway).filter((route) => !(route in options.exempt))
  const missingCases = routes.filter((route) => !(route in options.cases))
  const before = await snapshotTenant(options.database, options.victimTenantId)
  const checked: string[] = []
  const failures: string[] = []
  for (const route of routes) {
    const sweepCase = options.cases[route]
    if (!sweepCase) continue
    const [method, template] = route.split(' ') as [string, string]
    const url = template.replace(/:(\w+)/g, (_whole, name: string) => {
      const value = sweepCase.params[name]
      if (value === undefined) throw new Error(`sweep case for ${route} lacks param ${name}`)
      return encodeURIComponent(value)
    })
    const response = await options.gateway.inject({
      method: method as 'GET',
      url,
      headers: options.attackerAuth,
      ...(sweepCase.body !== undefined && { payload: sweepCase.body as object }),
    })
    checked.push(route)
    if (response.statusCode !== 404)
      failures.push(`${route} -> ${response.statusCode} ${response.body.slice(0, 200)}`)
    if (response.body.includes(options.victimTenantId)) failures.push(`${route} leaked the victim tenant id`)
  }
  const after = await snapshotTenant(options.database, options.victimTenantId)
  return {
    checked,
    failures,
    missingCases,
    victimRowsBefore: before.rows,
    victimChanged: JSON.stringify(before.tables) !== JSON.stringify(after.tables),
  }
}

/** Every row of every table that has a `tenant_id` column, for one tenant, in a stable order. */
export async function snapshotTenant(
  database: SqlDatabase,
  tenantId: string,
): Promise<{ rows: number; tables: Record<string, unknown[]> }> {
  const tables = await tenantTables(database)
  const snapshot: Record<string, unknown[]> = {}
  let rows = 0
  for (const table of tables) {
    const result = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} where tenant_id = ${tenantId}`.execute(database.db)
    const sorted = result.rows.map((row) => JSON.stringify(row)).sort()
    snapshot[table] = sorted
    rows += sorted.length
  }
  return { rows, tables: snapshot }
}

async function tenantTables(database: SqlDatabase): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
      database.db,
    )
    const withTenant: string[] = []
    for (const { name } of tables.rows) {
      const columns = await sql<{ name: string }>`select name from pragma_table_info(${name})`.execute(
        database.db,
      )
      if (columns.rows.some((c) => c.name === 'tenant_id')) withTenant.push(name)
    }
    return withTenant.sort()
  }
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.columns
    where column_name = 'tenant_id' and table_schema = current_schema()`.execute(database.db)
  return result.rows.map((r) => r.table_name).sort()
}
