import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../kernel/clock.js'
import type { HealthStatus } from '../../kernel/lifecycle.js'
import { createCurator } from '../curator/curator.js'
import { createHttpMetrics } from './http-metrics.js'
import { createNurse, healthPercentage } from './nurse.js'

function curatorWith(statuses: HealthStatus[]) {
  const curator = createCurator({ clock: createManualClock() })
  statuses.forEach((status, i) =>
    curator.register({
      descriptor: { name: `svc-${i}`, realm: 'smart-city', version: '1', capabilities: [] },
      healthCheck: () => Promise.resolve({ status }),
    }),
  )
  return curator
}

describe('Nurse', () => {
  it.each([
    [['healthy', 'healthy', 'healthy', 'healthy', 'healthy'], 100],
    [['healthy', 'healthy', 'healthy', 'healthy', 'unhealthy'], 80],
    [['healthy', 'healthy', 'healthy', 'degraded'], 75],
    [['healthy', 'unhealthy', 'unhealthy'], 33.33],
    [[], 0],
  ] as [HealthStatus[], number][])('healthPercentage of %j is %d', (statuses, expected) => {
    expect(healthPercentage(statuses.map((status) => ({ status })))).toBe(expected)
  })

  it('is ready exactly at the threshold and not below it', async () => {
    const at = createNurse({
      curator: curatorWith(['healthy', 'healthy', 'healthy', 'healthy', 'unhealthy']),
      metrics: createHttpMetrics(),
      readyThresholdPercent: 80,
      nodeState: () => 'running',
    })
    expect(await at.readiness()).toMatchObject({ ready: true, status: 'ready', healthPercentage: 80 })
    const below = createNurse({
      curator: curatorWith(['healthy', 'healthy', 'healthy', 'degraded']),
      metrics: createHttpMetrics(),
      readyThresholdPercent: 80,
      nodeState: () => 'running',
    })
    const readiness = await below.readiness()
    expect(readiness).toMatchObject({
      ready: false,
      status: 'not_ready',
      healthPercentage: 75,
      threshold: 80,
    })
    expect(Object.keys(readiness.services)).toHaveLength(4)
  })

  it('is not ready while the node starts or drains, however healthy', async () => {
    for (const [state, status] of [
      ['starting', 'starting'],
      ['stopping', 'stopping'],
    ]) {
      const nurse = createNurse({
        curator: curatorWith(['healthy']),
        metrics: createHttpMetrics(),
        readyThresholdPercent: 0,
        nodeState: () => state!,
      })
      expect(await nurse.readiness()).toMatchObject({ ready: false, status })
    }
  })

  it('renders request counters and latency histograms in Prometheus text', async () => {
    const metrics = createHttpMetrics()
    metrics.observeRequest({ method: 'GET', route: '/api/v1/services/:name', status: 404 }, 0.003)
    metrics.observeRequest({ method: 'GET', route: '/api/v1/services/:name', status: 404 }, 0.2)
    const text = await metrics.render()
    expect(text).toContain(
      'symphainy_http_requests_total{method="GET",route="/api/v1/services/:name",status="404"} 2',
    )
    expect(text).toContain(
      'symphainy_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/services/:name",status="404"} 1',
    )
    expect(text).toContain('symphainy_process_resident_memory_bytes')
  })
})
