import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * Prometheus metrics of one platform instance, in its own registry (never the global one, so several platforms in
 * one process — as in tests — do not collide). `route` is the route template, never the raw URL, to bound
 * cardinality.
 */
export interface HttpMetrics {
  readonly registry: Registry
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void
  render(): Promise<string>
  readonly contentType: string
}

export const latencyBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'symphainy_' })
  const requests = new Counter({
    name: 'symphainy_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'symphainy_http_request_duration_seconds',
    help: 'HTTP request latency in seconds, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: latencyBucketsSeconds,
    registers: [registry],
  })
  // Label sets are few (route templates × methods × statuses); resolving each once spares hashing them per request.
  const children = new Map<string, { count: () => void; time: (seconds: number) => void }>()
  return {
    registry,
    observeRequest(labels, seconds) {
      const key = `${labels.method} ${labels.status} ${labels.route}`
      let child = children.get(key)
      if (!child) {
        const values = [labels.method, labels.route, String(labels.status)] as const
        const counter = requests.labels(...values)
        const histogram = duration.labels(...values)
        child = { count: () => counter.inc(), time: (s) => histogram.observe(s) }
        children.set(key, child)
      }
      child.count()
      child.time(seconds)
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}
