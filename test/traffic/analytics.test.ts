import { beforeAll, expect, it } from 'vitest'
import { createManualClock, type ManualClock } from '../../src/kernel/clock.js'
import type { Platform } from '../../src/platform.js'
import { addUser, errorCode, signUp, type Account } from '../support/fixtures.js'
import { describeOnProfiles } from '../support/profiles.js'

const minute = 60_000
const hour = 60 * minute
const widgetRoute = '/api/v1/widgets/:id'
const env = { SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400' }

interface Report {
  range: string
  totalRequests: number
  errorRate: number
  clientErrorRate: number
  latencyMs: { p50: number | null; p95: number | null; p99: number | null }
  topRoutes: { method: string; route: string; count: number; errorRate: number; p95: number | null }[]
  byMinute: { minute: string; count: number; errors: number; p95: number | null }[]
  byStatus: Record<string, number>
}

describeOnProfiles('traffic analytics', (profile) => {
  let clock: ManualClock
  let node: Platform
  let adminA: Account
  let adminB: Account
  let startedAt: number

  async function analytics(account: Account, query: string, via = node): Promise<Report> {
    const response = await via.gateway.inject({
      method: 'GET',
      url: `/api/v1/traffic/analytics?${query}`,
      headers: account.auth,
    })
    expect(response.statusCode, response.body).toBe(200)
    return response.json<Report>()
  }

  /** What the gateway hook reports for one answered request, here with chosen statuses and latencies. */
  function drive(
    via: Platform,
    tenantId: string,
    status: number,
    latencyMs: number,
    route = widgetRoute,
  ): void {
    via.services.trafficCop.analytics.record({ tenantId, method: 'GET', route, status, latencyMs })
  }

  beforeAll(async () => {
    clock = createManualClock(Date.now())
    startedAt = clock.now()
    node = await profile.startNode(env, { clock })
    adminA = await signUp(node.gateway)
    adminB = await signUp(node.gateway)
    for (let i = 1; i <= 90; i += 1) drive(node, adminA.tenantId, 200, i)
    for (let i = 0; i < 10; i += 1) drive(node, adminA.tenantId, 500, 400)
    for (let i = 0; i < 3; i += 1)
      await node.gateway.inject({ method: 'GET', url: '/api/v1/users/nobody', headers: adminA.auth })
    await node.gateway.inject({ method: 'GET', url: '/api/v1/no-such-route' })
  })

  it('counts requests, errors and latency of a route in real time, before any flush', async () => {
    const report = await analytics(adminA, `range=1h&route=${encodeURIComponent(widgetRoute)}`)
    expect(report).toMatchObject({ range: '1h', totalRequests: 100, errorRate: 0.1, clientErrorRate: 0 })
    expect(report.byStatus).toEqual({ '200': 90, '500': 10 })
    expect(report.topRoutes).toEqual([
      { method: 'GET', route: widgetRoute, count: 100, errorRate: 0.1, p95: expect.any(Number) },
    ])
    expect(report.byMinute).toMatchObject([{ count: 100, errors: 10 }])
    // Exact p50 is 50 ms and p95/p99 fall in the 500s at 400 ms; each estimate is within its √2-wide bucket.
    expect(report.latencyMs.p50).toBeGreaterThan(50 / Math.SQRT2)
    expect(report.latencyMs.p50).toBeLessThan(50 * Math.SQRT2)
    expect(report.latencyMs.p99).toBeGreaterThan(400 / Math.SQRT2)
    expect(report.latencyMs.p99).toBeLessThan(400 * Math.SQRT2)
  })

  it('records gateway responses by route template, status and tenant', async () => {
    const report = await analytics(adminA, 'range=1h')
    expect(report.topRoutes).toContainEqual(
      expect.objectContaining({ method: 'GET', route: '/api/v1/users/:id', count: 3, errorRate: 0 }),
    )
    // The previous test's own analytics request is traffic of the tenant too.
    expect(report.topRoutes).toContainEqual(
      expect.objectContaining({ route: '/api/v1/traffic/analytics', count: 1, errorRate: 0 }),
    )
    expect(report.byStatus).toEqual({ '200': 91, '404': 3, '500': 10 })
    expect(report.totalRequests).toBe(104)
    expect(report.clientErrorRate).toBeCloseTo(3 / 104, 10)
    expect(report.topRoutes.map((r) => r.route)).not.toContain('unmatched')
    expect(report.topRoutes.map((r) => r.route)).not.toContain('/api/v1/auth/signup')
  })

  it('flushes finished minutes into SQL on the minute timer', async () => {
    clock.advance(2 * hour)
    await node.services.trafficCop.analytics.flush()
    if (profile.name === 'embedded') {
      const rows = await node.infra.database.db
        .selectFrom('tc_traffic_minutes')
        .select(['tenant_id', 'route', 'status', 'count'])
        .where('route', '=', widgetRoute)
        .execute()
      expect(rows).toEqual(
        expect.arrayContaining([
          { tenant_id: adminA.tenantId, route: widgetRoute, status: 200, count: 90 },
          { tenant_id: adminA.tenantId, route: widgetRoute, status: 500, count: 10 },
        ]),
      )
    }
  })

  it('answers by range: traffic two hours ago is in 6h but not in 1h', async () => {
    drive(node, adminA.tenantId, 200, 3)
    const route = `route=${encodeURIComponent(widgetRoute)}`
    const lastHour = await analytics(adminA, `range=1h&${route}`)
    expect(lastHour).toMatchObject({ totalRequests: 1, errorRate: 0, byStatus: { '200': 1 } })
    const sixHours = await analytics(adminA, `range=6h&${route}`)
    expect(sixHours).toMatchObject({ range: '6h', totalRequests: 101, byStatus: { '200': 91, '500': 10 } })
    expect(
      sixHours.byMinute.map((m) => [Date.parse(m.minute) - startedAt < minute, m.count, m.errors]),
    ).toEqual([
      [true, 100, 10],
      [false, 1, 0],
    ])
    expect((await analytics(adminA, 'range=24h')).totalRequests).toBeGreaterThanOrEqual(104)
  })

  it('filters by exact route template', async () => {
    const report = await analytics(adminA, `range=6h&route=${encodeURIComponent('/api/v1/users/:id')}`)
    expect(report).toMatchObject({ totalRequests: 3, byStatus: { '404': 3 }, clientErrorRate: 1 })
    expect((await analytics(adminA, 'range=6h&route=/api/v1/widgets')).totalRequests).toBe(0)
  })

  it("never shows one tenant's traffic to another", async () => {
    const report = await analytics(adminB, 'range=7d')
    const routes = report.topRoutes.map((r) => r.route)
    expect(routes).not.toContain(widgetRoute)
    expect(routes).not.toContain('/api/v1/users/:id')
    expect(report.byStatus['500']).toBeUndefined()
    expect(report.byStatus['404']).toBeUndefined()
    const filtered = await analytics(adminB, `range=7d&route=${encodeURIComponent(widgetRoute)}`)
    expect(filtered).toMatchObject({
      totalRequests: 0,
      errorRate: 0,
      topRoutes: [],
      byMinute: [],
      byStatus: {},
    })
    expect(filtered.latencyMs).toEqual({ p50: null, p95: null, p99: null })
  })

  it('is for admins only: a member gets 403', async () => {
    const member = await addUser(node.gateway, adminA, ['member'])
    const response = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/traffic/analytics?range=1h',
      headers: member.auth,
    })
    expect(response.statusCode).toBe(403)
    expect(errorCode(response)).toBeDefined()
  })

  it('refuses an unknown range', async () => {
    const response = await node.gateway.inject({
      method: 'GET',
      url: '/api/v1/traffic/analytics?range=2h',
      headers: adminA.auth,
    })
    expect(response.statusCode).toBe(400)
  })

  it.skipIf(!profile.canShareNodes)('sums the same minute written by two nodes', async () => {
    const clock2 = createManualClock(clock.now())
    const node2 = await profile.startNode(env, { clock: clock2 })
    const route = '/api/v1/gadgets/:id'
    for (let i = 0; i < 7; i += 1) drive(node, adminA.tenantId, 200, 10, route)
    for (let i = 0; i < 5; i += 1) drive(node2, adminA.tenantId, 502, 10, route)
    clock.advance(minute)
    clock2.advance(minute)
    await Promise.all([
      node.services.trafficCop.analytics.flush(),
      node2.services.trafficCop.analytics.flush(),
    ])
    const rows = await node.infra.database.db
      .selectFrom('tc_traffic_minutes')
      .select(['minute_start', 'status', 'count'])
      .where('route', '=', route)
      .orderBy('status')
      .execute()
    expect(rows.map((r) => [r.status, Number(r.count)])).toEqual([
      [200, 7],
      [502, 5],
    ])
    for (const via of [node, node2]) {
      const report = await analytics(adminA, `range=1h&route=${encodeURIComponent(route)}`, via)
      expect(report).toMatchObject({ totalRequests: 12, byStatus: { '200': 7, '502': 5 } })
      expect(report.errorRate).toBeCloseTo(5 / 12, 10)
      expect(report.byMinute).toMatchObject([{ count: 12, errors: 5 }])
    }
  })

  it.skipIf(!profile.canShareNodes)(
    'adds, never overwrites, when two nodes flush one minute row',
    async () => {
      const clock2 = createManualClock(clock.now())
      const node2 = await profile.startNode(env, { clock: clock2 })
      const route = '/api/v1/sprockets/:id'
      for (let i = 0; i < 4; i += 1) drive(node, adminA.tenantId, 200, 10, route)
      for (let i = 0; i < 6; i += 1) drive(node2, adminA.tenantId, 200, 10, route)
      await node2.close()
      clock.advance(minute)
      await node.services.trafficCop.analytics.flush()
      const report = await analytics(adminA, `range=1h&route=${encodeURIComponent(route)}`)
      expect(report).toMatchObject({ totalRequests: 10, byMinute: [{ count: 10 }] })
    },
  )
})
