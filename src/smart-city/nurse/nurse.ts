import type { HealthReport } from '../../kernel/lifecycle.js'
import type { CheckedHealth, Curator } from '../curator/curator.js'
import type { HttpMetrics } from './http-metrics.js'

/**
 * Liveness, readiness and metrics. Readiness: healthPercentage = healthy registered services ÷ all × 100 (a
 * `degraded` service is not healthy); ready when it is ≥ the threshold and the node is running (not starting or
 * draining).
 */
export interface Readiness {
  ready: boolean
  status: 'ready' | 'not_ready' | 'starting' | 'stopping'
  healthPercentage: number
  threshold: number
  services: Record<string, CheckedHealth>
}

export interface Nurse {
  readonly metrics: HttpMetrics
  readiness(): Promise<Readiness>
}

export interface NurseDeps {
  curator: Curator
  metrics: HttpMetrics
  readyThresholdPercent: number
  /** Whether the node as a whole is up: the City Manager's state. */
  nodeState: () => string
}

export function healthPercentage(reports: HealthReport[]): number {
  if (reports.length === 0) return 0
  const healthy = reports.filter((r) => r.status === 'healthy').length
  return Math.round((healthy / reports.length) * 10000) / 100
}

export function createNurse(deps: NurseDeps): Nurse {
  return {
    metrics: deps.metrics,
    async readiness() {
      const services = await deps.curator.checkAll()
      const percentage = healthPercentage(Object.values(services))
      const nodeState = deps.nodeState()
      const running = nodeState === 'running'
      const ready = running && percentage >= deps.readyThresholdPercent
      const status = running
        ? ready
          ? 'ready'
          : 'not_ready'
        : nodeState === 'stopping' || nodeState === 'stopped'
          ? 'stopping'
          : 'starting'
      return { ready, status, healthPercentage: percentage, threshold: deps.readyThresholdPercent, services }
    },
  }
}
