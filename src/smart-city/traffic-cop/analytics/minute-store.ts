import { sql, type RawBuilder } from 'kysely'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import type { Histogram } from './histogram.js'
import { bucketColumns, minuteKeyColumns, trafficMinutesTable } from './migration.js'
import type { MinuteEntry } from './minute-buffer.js'

/** Rows per insert statement: 50 parameters each, well under SQLite's and PostgreSQL's parameter limits. */
const rowsPerStatement = 100
const summedColumns = ['count', ...bucketColumns]

export interface TrafficFilter {
  tenantId: string
  fromMinute: number
  route?: string | undefined
}

export interface RouteStatusTotal {
  method: string
  route: string
  status: number
  count: number
  histogram: Histogram
}

export interface MinuteTotal {
  minute: number
  count: number
  errors: number
  histogram: Histogram
}

/**
 * Adds the entries to their minute rows in one transaction: a new row is inserted, an existing one (written by
 * another node, or by this node before) gets the counts added, so concurrent writers never lose an update.
 */
export async function addMinutes(database: SqlDatabase, entries: readonly MinuteEntry[]): Promise<void> {
  if (entries.length === 0) return
  const columns = sql.join([...minuteKeyColumns, ...summedColumns].map((c) => sql.ref(c)))
  const conflict = sql.join(minuteKeyColumns.map((c) => sql.ref(c)))
  const additions = sql.join(
    summedColumns.map(
      (c) => sql`${sql.ref(c)} = ${sql.ref(`${trafficMinutesTable}.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
    ),
  )
  await database.transaction(async (trx) => {
    for (let start = 0; start < entries.length; start += rowsPerStatement) {
      const values = sql.join(entries.slice(start, start + rowsPerStatement).map(rowValues))
      await sql`insert into ${sql.table(trafficMinutesTable)} (${columns}) values ${values}
        on conflict (${conflict}) do update set ${additions}`.execute(trx)
    }
  })
}

function rowValues(entry: MinuteEntry): RawBuilder<unknown> {
  const { tenantId, minute, method, route, status, count, histogram } = entry
  return sql`(${sql.join([tenantId, minute, method, route, status, count, ...histogram])})`
}

export async function deleteMinutesBefore(database: SqlDatabase, minute: number): Promise<void> {
  await database.db.deleteFrom(trafficMinutesTable).where('minute_start', '<', minute).execute()
}

export async function readRouteStatusTotals(
  database: SqlDatabase,
  filter: TrafficFilter,
): Promise<RouteStatusTotal[]> {
  const { rows } = await sql<Record<string, unknown>>`select method, route, status, ${sums()}
    from ${sql.table(trafficMinutesTable)} where ${where(filter)}
    group by method, route, status`.execute(database.db)
  return rows.map((row) => ({
    method: String(row['method']),
    route: String(row['route']),
    status: Number(row['status']),
    ...countAndHistogram(row),
  }))
}

export async function readMinuteTotals(database: SqlDatabase, filter: TrafficFilter): Promise<MinuteTotal[]> {
  const { rows } = await sql<Record<string, unknown>>`select minute_start,
      sum(case when status >= 500 then ${sql.ref('count')} else 0 end) as errors, ${sums()}
    from ${sql.table(trafficMinutesTable)} where ${where(filter)}
    group by minute_start order by minute_start`.execute(database.db)
  return rows.map((row) => ({
    minute: Number(row['minute_start']),
    errors: Number(row['errors']),
    ...countAndHistogram(row),
  }))
}

function sums(): RawBuilder<unknown> {
  return sql.join(summedColumns.map((c) => sql`sum(${sql.ref(c)}) as ${sql.ref(c)}`))
}

function where(filter: TrafficFilter): RawBuilder<unknown> {
  const route = filter.route === undefined ? sql`` : sql` and route = ${filter.route}`
  return sql`tenant_id = ${filter.tenantId} and minute_start >= ${filter.fromMinute}${route}`
}

// PostgreSQL answers sum(bigint) as numeric, which the driver gives as a string.
function countAndHistogram(row: Record<string, unknown>): { count: number; histogram: Histogram } {
  return { count: Number(row['count']), histogram: bucketColumns.map((c) => Number(row[c])) }
}
