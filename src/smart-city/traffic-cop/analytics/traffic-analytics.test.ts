import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSqliteDatabase } from '../../../adapters/sqlite/sql-database.js'
import { createManualClock, type ManualClock } from '../../../kernel/clock.js'
import { createLogger } from '../../../kernel/logger.js'
import type { Principal } from '../../../kernel/principal.js'
import type { SqlDatabase } from '../../../ports/sql-database.js'
import type { TrafficCopModule } from '../module.js'
import { trafficAnalyticsMigration, trafficMinutesTable } from './migration.js'
import { createMinuteBuffer, minuteOf } from './minute-buffer.js'
import { createTrafficAnalytics, type TrafficAnalytics } from './traffic-analytics.js'

const minute = 60_000
const start = Date.UTC(2026, 2, 1, 12, 0, 30)
const tenant = (tenantId: string) => ({ tenantId }) as Principal
const sample = (tenantId: string | null, status = 200, latencyMs = 5) => ({
  tenantId,
  method: 'GET',
  route: '/api/v1/things/:id',
  status,
  latencyMs,
})

describe('minute buffer', () => {
  it('keys entries by minute start, tenant (or "-"), method, route and status', () => {
    const buffer = createMinuteBuffer()
    buffer.record(sample('a'), start)
    buffer.record(sample('a'), start + 29_999)
    buffer.record(sample('a'), start + 30_000)
    buffer.record(sample('a', 500), start)
    buffer.record(sample(null), start)
    const keys = buffer.entries().map((e) => [e.minute - minuteOf(start), e.tenantId, e.status, e.count])
    expect(keys).toEqual([
      [0, 'a', 200, 2],
      [0, 'a', 500, 1],
      [0, '-', 200, 1],
      [minute, 'a', 200, 1],
    ])
    expect(buffer.takeBefore(minuteOf(start) + minute)).toHaveLength(3)
    expect(buffer.minutes()).toBe(1)
  })

  it('merges restored entries with what was recorded meanwhile', () => {
    const buffer = createMinuteBuffer()
    buffer.record(sample('a'), start)
    const taken = buffer.takeBefore(Infinity)
    buffer.record(sample('a'), start)
    buffer.restore(taken)
    expect(buffer.entries()).toMatchObject([{ count: 2 }])
  })
})

describe('traffic analytics with a manual clock', () => {
  let clock: ManualClock
  let database: SqlDatabase
  let analytics: TrafficAnalytics
  let module: TrafficCopModule

  const storedRows = () => database.db.selectFrom(trafficMinutesTable).selectAll().execute()

  beforeEach(async () => {
    clock = createManualClock(start)
    database = await createSqliteDatabase({ url: 'sqlite::memory:' })
    await database.migrate([trafficAnalyticsMigration])
    ;({ analytics, module } = createTrafficAnalytics({
      database,
      clock,
      logger: createLogger({ level: 'silent' }),
    }))
    await module.start!()
  })
  afterEach(async () => {
    await module.stop!()
    await database.close()
  })

  it('answers the current minute from memory before anything is flushed', async () => {
    analytics.record(sample('a'))
    analytics.record(sample('a', 503))
    expect(await storedRows()).toHaveLength(0)
    const report = await analytics.report(tenant('a'), { range: '1h' })
    expect(report).toMatchObject({ totalRequests: 2, errorRate: 0.5 })
  })

  it('flushes finished minutes on the minute timer, keeping the current one in memory', async () => {
    analytics.record(sample('a'))
    clock.advance(minute)
    analytics.record(sample('a'))
    await analytics.flush()
    expect(await storedRows()).toMatchObject([{ minute_start: minuteOf(start), count: 1 }])
    const report = await analytics.report(tenant('a'), { range: '1h' })
    expect(report.totalRequests).toBe(2)
    expect(report.byMinute.map((m) => m.count)).toEqual([1, 1])
  })

  it('adds a second flush of the same minute to the stored row', async () => {
    analytics.record(sample('a'))
    await analytics.flush()
    await module.stop!()
    analytics.record(sample('a', 200, 50))
    await module.stop!()
    const rows = await storedRows()
    expect(rows).toMatchObject([{ count: 2 }])
    expect((await analytics.report(tenant('a'), { range: '1h' })).totalRequests).toBe(2)
  })

  it('deletes minutes older than eight days on the timer', async () => {
    analytics.record(sample('a'))
    clock.advance(2 * minute)
    await analytics.flush()
    expect(await storedRows()).toHaveLength(1)
    clock.advance(8 * 24 * 60 * minute)
    await analytics.flush()
    await analytics.report(tenant('a'), { range: '7d' })
    expect(await storedRows()).toHaveLength(0)
  })
})
