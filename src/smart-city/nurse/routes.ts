import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Nurse } from './nurse.js'

const ServiceHealth = Type.Object({
  status: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  checkedAt: Type.Integer(),
  latencyMs: Type.Integer(),
})

const ReadinessView = Type.Object({
  status: Type.Union([
    Type.Literal('ready'),
    Type.Literal('not_ready'),
    Type.Literal('starting'),
    Type.Literal('stopping'),
  ]),
  healthPercentage: Type.Number(),
  threshold: Type.Number(),
  services: Type.Record(Type.String(), ServiceHealth),
})

export function nurseRoutes(nurse: Nurse): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/health',
      {
        config: { security: { public: true } },
        schema: {
          tags: ['nurse'],
          summary: 'Liveness: the process answers',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      () => ({ status: 'ok' as const }),
    )
    app.get(
      '/ready',
      {
        config: { security: { public: true } },
        schema: {
          tags: ['nurse'],
          summary: 'Readiness: 200 when healthPercentage ≥ threshold, else 503',
          response: { 200: ReadinessView, 503: ReadinessView },
        },
      },
      async (_request, reply) => {
        const readiness = await nurse.readiness()
        const { ready: _ready, ...body } = readiness
        return reply.code(readiness.ready ? 200 : 503).send(body)
      },
    )
    app.get(
      '/metrics',
      {
        config: { security: { public: true } },
        schema: {
          tags: ['nurse'],
          summary: 'Prometheus text exposition',
          produces: ['text/plain'],
          response: { 200: Type.String() },
        },
      },
      async (_request, reply) => reply.type(nurse.metrics.contentType).send(await nurse.metrics.render()),
    )
    return Promise.resolve()
  }
}
