import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { TrafficRange } from './report.js'
import type { TrafficAnalytics } from './traffic-analytics.js'

const Range = Type.Union([Type.Literal('1h'), Type.Literal('6h'), Type.Literal('24h'), Type.Literal('7d')])
const defaultRange: TrafficRange = '1h'
const Milliseconds = Type.Union([Type.Number(), Type.Null()])
const Rate = Type.Number({ minimum: 0, maximum: 1 })

const TrafficReportView = Type.Object({
  range: Range,
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  totalRequests: Type.Integer(),
  errorRate: Rate,
  clientErrorRate: Rate,
  latencyMs: Type.Object({ p50: Milliseconds, p95: Milliseconds, p99: Milliseconds }),
  topRoutes: Type.Array(
    Type.Object({
      method: Type.String(),
      route: Type.String(),
      count: Type.Integer(),
      errorRate: Rate,
      p95: Milliseconds,
    }),
  ),
  byMinute: Type.Array(
    Type.Object({
      minute: Type.String({ format: 'date-time' }),
      count: Type.Integer(),
      errors: Type.Integer(),
      p95: Milliseconds,
    }),
  ),
  byStatus: Type.Record(Type.String(), Type.Integer()),
})

/** Traffic analytics of the caller's tenant. */
export function trafficAnalyticsRoutes(analytics: TrafficAnalytics): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/v1/traffic/analytics',
      {
        config: { security: { permission: 'traffic:read' } },
        schema: {
          tags: ['traffic-cop'],
          summary: "Request counts, error rates and latency percentiles of the caller's tenant",
          querystring: Type.Object(
            {
              range: Type.Optional(Range),
              route: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: TrafficReportView, 400: ErrorResponse },
        },
      },
      (request) =>
        analytics.report(principalOf(request), {
          range: request.query.range ?? defaultRange,
          route: request.query.route,
        }),
    )
    return Promise.resolve()
  }
}
