import { addHistogram, emptyHistogram, percentile, type Histogram } from './histogram.js'
import type { MinuteTotal, RouteStatusTotal } from './minute-store.js'

export const trafficRanges = ['1h', '6h', '24h', '7d'] as const
export type TrafficRange = (typeof trafficRanges)[number]

export const rangeMs: Readonly<Record<TrafficRange, number>> = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
}

export const topRoutesLimit = 10

export interface TrafficReport {
  range: TrafficRange
  from: string
  to: string
  totalRequests: number
  /** Share of answers with status ≥ 500. */
  errorRate: number
  /** Share of answers with status 400 … 499. */
  clientErrorRate: number
  latencyMs: { p50: number | null; p95: number | null; p99: number | null }
  topRoutes: { method: string; route: string; count: number; errorRate: number; p95: number | null }[]
  /** Only minutes that had traffic, oldest first. */
  byMinute: { minute: string; count: number; errors: number; p95: number | null }[]
  byStatus: Record<string, number>
}

interface Tally {
  count: number
  errors: number
  histogram: Histogram
}

const newTally = (): Tally => ({ count: 0, errors: 0, histogram: emptyHistogram() })

function add(tally: Tally, count: number, errors: number, histogram: readonly number[]): void {
  tally.count += count
  tally.errors += errors
  addHistogram(tally.histogram, histogram)
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole)
const ms = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000)

/** Folds totals (from SQL and from this node's buffer; the same key may appear several times) into the answer. */
export function buildReport(input: {
  range: TrafficRange
  fromMs: number
  toMs: number
  routeStatus: readonly RouteStatusTotal[]
  minutes: readonly MinuteTotal[]
}): TrafficReport {
  const overall = newTally()
  let clientErrors = 0
  const byStatus: Record<string, number> = {}
  const routes = new Map<string, Tally & { method: string; route: string }>()
  for (const row of input.routeStatus) {
    const errors = row.status >= 500 ? row.count : 0
    if (row.status >= 400 && row.status < 500) clientErrors += row.count
    add(overall, row.count, errors, row.histogram)
    byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count
    const key = `${row.method} ${row.route}`
    let route = routes.get(key)
    if (!route) routes.set(key, (route = { method: row.method, route: row.route, ...newTally() }))
    add(route, row.count, errors, row.histogram)
  }

  const minutes = new Map<number, Tally>()
  for (const row of input.minutes) {
    let minute = minutes.get(row.minute)
    if (!minute) minutes.set(row.minute, (minute = newTally()))
    add(minute, row.count, row.errors, row.histogram)
  }

  return {
    range: input.range,
    from: new Date(input.fromMs).toISOString(),
    to: new Date(input.toMs).toISOString(),
    totalRequests: overall.count,
    errorRate: ratio(overall.errors, overall.count),
    clientErrorRate: ratio(clientErrors, overall.count),
    latencyMs: {
      p50: ms(percentile(overall.histogram, 0.5)),
      p95: ms(percentile(overall.histogram, 0.95)),
      p99: ms(percentile(overall.histogram, 0.99)),
    },
    topRoutes: [...routes.values()]
      .sort((a, b) => b.count - a.count || a.route.localeCompare(b.route) || a.method.localeCompare(b.method))
      .slice(0, topRoutesLimit)
      .map((r) => ({
        method: r.method,
        route: r.route,
        count: r.count,
        errorRate: ratio(r.errors, r.count),
        p95: ms(percentile(r.histogram, 0.95)),
      })),
    byMinute: [...minutes.entries()]
      .sort(([a], [b]) => a - b)
      .map(([minute, t]) => ({
        minute: new Date(minute).toISOString(),
        count: t.count,
        errors: t.errors,
        p95: ms(percentile(t.histogram, 0.95)),
      })),
    byStatus,
  }
}
