import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { Conductor } from '../index.js'
import { taskView } from '../views.js'
import { IdParams, tags, TaskType, TaskView, WorkerId } from './schemas.js'

const maxWaitSeconds = 20
const defaultLeaseSeconds = 60

const ErrorInput = Type.Union([
  Type.String({ minLength: 1, maxLength: 2000 }),
  Type.Object(
    {
      code: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$' })),
      message: Type.String({ minLength: 1, maxLength: 2000 }),
    },
    { additionalProperties: false },
  ),
])

export function taskRoutes(conductor: Conductor): FastifyPluginAsyncTypebox {
  const { tasks, waiters } = conductor
  return (app) => {
    app.post(
      '/api/v1/tasks',
      {
        config: { security: { permission: 'task:create' } },
        schema: {
          tags,
          summary: 'Queue a task for workers of its type (retried up to maxAttempts when it fails retryably)',
          body: Type.Object(
            {
              type: TaskType,
              input: Type.Optional(Type.Unknown()),
              maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: TaskView, 400: ErrorResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const task = await tasks.create({
          tenantId: principal.tenantId,
          type: request.body.type,
          input: request.body.input ?? null,
          maxAttempts: request.body.maxAttempts ?? 3,
          createdBy: principal.userId,
        })
        return reply.code(201).send(taskView(task))
      },
    )

    app.post(
      '/api/v1/tasks/poll',
      {
        config: { security: { permission: 'task:execute' } },
        schema: {
          tags,
          summary: 'Lease up to `max` tasks of the given types; waits up to `waitSeconds` for one to arrive',
          body: Type.Object(
            {
              types: Type.Array(TaskType, { minItems: 1, maxItems: 50 }),
              workerId: WorkerId,
              leaseSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
              max: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
              waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: maxWaitSeconds })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ tasks: Type.Array(TaskView) }), 400: ErrorResponse },
        },
      },
      async (request) => {
        const { tenantId } = principalOf(request)
        const body = request.body
        const claim = () =>
          tasks.claim({
            types: body.types,
            workerId: body.workerId,
            leaseMs: (body.leaseSeconds ?? defaultLeaseSeconds) * 1000,
            max: body.max ?? 1,
            tenantId,
          })
        let claimed = await claim()
        if (claimed.length === 0 && (body.waitSeconds ?? 0) > 0) {
          await waiters.wait(tenantId, body.types, body.waitSeconds! * 1000)
          claimed = await claim()
        }
        return { tasks: claimed.map(taskView) }
      },
    )

    app.get(
      '/api/v1/tasks/:id',
      {
        config: { security: { permission: 'task:read' } },
        schema: {
          tags,
          summary: 'A task',
          params: IdParams,
          response: { 200: TaskView, 404: ErrorResponse },
        },
      },
      async (request) => taskView(await tasks.get(principalOf(request).tenantId, request.params.id)),
    )

    app.post(
      '/api/v1/tasks/:id/heartbeat',
      {
        config: { security: { permission: 'task:execute' } },
        schema: {
          tags,
          summary: 'Extend the lease of a task this worker holds',
          params: IdParams,
          body: Type.Object(
            { workerId: WorkerId, leaseSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })) },
            { additionalProperties: false },
          ),
          response: { 200: TaskView, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request) => {
        const { workerId, leaseSeconds } = request.body
        const task = await tasks.heartbeat(
          request.params.id,
          workerId,
          (leaseSeconds ?? defaultLeaseSeconds) * 1000,
          principalOf(request).tenantId,
        )
        return taskView(task)
      },
    )

    app.post(
      '/api/v1/tasks/:id/complete',
      {
        config: { security: { permission: 'task:execute' } },
        schema: {
          tags,
          summary: 'Complete a task with its output; completing a finished task changes nothing',
          params: IdParams,
          body: Type.Object(
            { output: Type.Optional(Type.Unknown()), workerId: Type.Optional(WorkerId) },
            { additionalProperties: false },
          ),
          response: { 200: TaskView, 404: ErrorResponse },
        },
      },
      async (request) => {
        const { tenantId } = principalOf(request)
        const { task } = await tasks.complete(request.params.id, request.body.output ?? null, { tenantId })
        return taskView(task)
      },
    )

    app.post(
      '/api/v1/tasks/:id/fail',
      {
        config: { security: { permission: 'task:execute' } },
        schema: {
          tags,
          summary: 'Fail a task; retryable failures are retried by the step or task policy',
          params: IdParams,
          body: Type.Object(
            {
              error: ErrorInput,
              retryable: Type.Optional(Type.Boolean()),
              workerId: Type.Optional(WorkerId),
            },
            { additionalProperties: false },
          ),
          response: { 200: TaskView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) => {
        const { tenantId } = principalOf(request)
        const raw = request.body.error
        const error =
          typeof raw === 'string'
            ? { code: 'TASK_FAILED', message: raw }
            : { code: raw.code ?? 'TASK_FAILED', message: raw.message }
        const { task } = await tasks.fail(
          request.params.id,
          { error, retryable: request.body.retryable ?? true },
          { tenantId },
        )
        return taskView(task)
      },
    )
    return Promise.resolve()
  }
}
