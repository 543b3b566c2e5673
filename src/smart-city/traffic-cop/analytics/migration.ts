import type { SqlMigration } from '../../../ports/sql-database.js'
import { histogramBucketCount } from './histogram.js'

export const trafficMinutesTable = 'tc_traffic_minutes'

/** Columns `h00` … `h43`: the latency histogram's buckets (see histogram.ts), summable in SQL. */
export const bucketColumns: readonly string[] = Array.from(
  { length: histogramBucketCount },
  (_, i) => `h${String(i).padStart(2, '0')}`,
)

export const minuteKeyColumns = ['tenant_id', 'minute_start', 'method', 'route', 'status'] as const

/**
 * One row per (tenant, minute, method, route template, status), shared by every node: each node adds its counts
 * to the row, so the row holds the cluster's total for that minute. Errors are the rows with status ≥ 500.
 */
export const trafficAnalyticsMigration: SqlMigration = {
  name: '0007_traffic_cop_analytics',
  async up(db) {
    let table = db.schema
      .createTable(trafficMinutesTable)
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('minute_start', 'bigint', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('route', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
    for (const column of bucketColumns) table = table.addColumn(column, 'bigint', (c) => c.notNull())
    await table.addPrimaryKeyConstraint('tc_traffic_minutes_pk', [...minuteKeyColumns]).execute()
    await db.schema
      .createIndex('tc_traffic_minutes_minute')
      .on(trafficMinutesTable)
      .column('minute_start')
      .execute()
  },
}
