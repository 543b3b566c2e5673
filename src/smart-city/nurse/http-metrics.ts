import { Registry, collectDefaultMetrics } from 'prom-client'
import { registerRequestSeries } from './request-series.js'

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
  const series = registerRequestSeries(
    registry,
    { counter: 'symphainy_http_requests_total', histogram: 'symphainy_http_request_duration_seconds' },
    {
      counter: 'HTTP requests answered, by method, route template and status.',
      histogram: 'HTTP request latency in seconds, by method, route template and status.',
    },
    latencyBucketsSeconds,
  )
  return {
    registry,
    observeRequest: (labels, seconds) => series.observe(labels, seconds),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}
