import type { Metric, Registry } from 'prom-client'

export interface RequestLabels {
  method: string
  route: string
  status: number
}

/** One line of a rendered metric, as prom-client's Registry reads it from `get()`. */
interface MetricLine {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

interface Series {
  labels: { method: string; route: string; status: string }
  count: number
  sum: number
  /** Observations per bucket (not cumulative); the last slot holds those above every bound. */
  buckets: number[]
}

/**
 * Request counts and latencies by (method, route, status), kept in plain numbers and rendered as a prom-client
 * counter and histogram: prom-client's labelled `inc`/`observe` validate and hash the labels on every call, which
 * showed on every request's profile. Series are found through nested maps on the label values, so nothing is built
 * per request. The rendered text is what prom-client's own Counter and Histogram print.
 */
export interface RequestSeries {
  observe(labels: RequestLabels, seconds: number): void
}

export function registerRequestSeries(
  registry: Registry,
  names: { counter: string; histogram: string },
  help: { counter: string; histogram: string },
  buckets: readonly number[],
): RequestSeries {
  let all: Series[] = []
  let byRoute = new Map<string, Map<string, Map<number, Series>>>()
  const reset = () => {
    all = []
    byRoute = new Map()
  }

  function seriesOf({ method, route, status }: RequestLabels): Series {
    let byMethod = byRoute.get(route)
    if (!byMethod) byRoute.set(route, (byMethod = new Map<string, Map<number, Series>>()))
    let byStatus = byMethod.get(method)
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Series>()))
    let series = byStatus.get(status)
    if (!series) {
      const labels = { method, route, status: String(status) }
      series = { labels, count: 0, sum: 0, buckets: new Array<number>(buckets.length + 1).fill(0) }
      byStatus.set(status, series)
      all.push(series)
    }
    return series
  }

  const counter = metric({
    name: names.counter,
    help: help.counter,
    type: 'counter',
    reset,
    values: () => all.map((s) => ({ labels: { ...s.labels }, value: s.count })),
  })
  const histogram = metric({
    name: names.histogram,
    help: help.histogram,
    type: 'histogram',
    reset,
    values: () => all.flatMap((s) => histogramValues(s, names.histogram, buckets)),
  })
  registry.registerMetric(counter)
  registry.registerMetric(histogram)

  return {
    observe(labels, seconds) {
      if (!Number.isFinite(seconds)) throw new TypeError(`Value is not a valid number: ${seconds}`)
      const series = seriesOf(labels)
      let bucket = 0
      while (bucket < buckets.length && seconds > buckets[bucket]!) bucket += 1
      series.count += 1
      series.sum += seconds
      series.buckets[bucket]! += 1
    },
  }
}

function histogramValues(series: Series, name: string, bounds: readonly number[]): MetricLine[] {
  const values: MetricLine[] = []
  let cumulative = 0
  bounds.forEach((le, i) => {
    cumulative += series.buckets[i]!
    values.push({ labels: { le, ...series.labels }, value: cumulative, metricName: `${name}_bucket` })
  })
  values.push(
    { labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${name}_bucket` },
    { labels: { ...series.labels }, value: series.sum, metricName: `${name}_sum` },
    { labels: { ...series.labels }, value: series.count, metricName: `${name}_count` },
  )
  return values
}

/** The part of prom-client's metric contract a Registry uses to render, list and reset a metric. */
function metric(spec: {
  name: string
  help: string
  type: 'counter' | 'histogram'
  reset: () => void
  values: () => MetricLine[]
}): Metric {
  const { name, help, type, reset, values } = spec
  const get = () => Promise.resolve({ name, help, type, values: values(), aggregator: 'sum' })
  return { name, help, type, aggregator: 'sum', get, reset } as unknown as Metric
}
