import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { emptyBodyAsObject, ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { ExecutionEvent } from '../engine/decide.js'
import type { Conductor } from '../index.js'
import type { ExecutionsTable } from '../tables.js'
import { executionSummary, executionView, historyView } from '../views.js'
import {
  ExecutionSummary,
  ExecutionView,
  HistoryEntryView,
  IdParams,
  NameParams,
  SignalParams,
  StepParams,
  tags,
  WorkflowName,
} from './schemas.js'

const operationResponses = { 200: ExecutionView, 404: ErrorResponse, 409: ErrorResponse }

export function executionRoutes(conductor: Conductor): FastifyPluginAsyncTypebox {
  const { executions, definitions } = conductor
  const view = async (row: ExecutionsTable) =>
    executionView(row, await definitions.version(row.tenant_id, row.workflow, Number(row.version)))

  return (app) => {
    app.post(
      '/api/v1/workflows/:name/executions',
      {
        config: { security: { permission: 'execution:create' } },
        schema: {
          tags,
          summary: 'Start an execution; with an idempotency key, repeats answer the first execution (200)',
          params: NameParams,
          body: Type.Object(
            {
              input: Type.Optional(Type.Unknown()),
              version: Type.Optional(Type.Integer({ minimum: 1 })),
              idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
              correlationId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: ExecutionView,
            202: ExecutionView,
            400: ErrorResponse,
            404: ErrorResponse,
            409: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const { row, created } = await executions.start(
          principalOf(request),
          request.params.name,
          request.body,
        )
        return reply.code(created ? 202 : 200).send(await view(row))
      },
    )

    app.get(
      '/api/v1/executions',
      {
        config: { security: { permission: 'execution:read' } },
        schema: {
          tags,
          summary: "The tenant's executions, newest first",
          querystring: Type.Object({
            workflow: Type.Optional(WorkflowName),
            status: Type.Optional(
              Type.Union(
                ['running', 'paused', 'compensating', 'completed', 'failed', 'cancelled', 'timed_out'].map(
                  (s) => Type.Literal(s),
                ),
              ),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: {
            200: Type.Object({
              items: Type.Array(ExecutionSummary),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            400: ErrorResponse,
          },
        },
      },
      async (request) => {
        const page = await executions.list(principalOf(request), request.query)
        return { items: page.items.map(executionSummary), nextCursor: page.nextCursor }
      },
    )

    app.get(
      '/api/v1/executions/:id',
      {
        config: { security: { permission: 'execution:read' } },
        schema: {
          tags,
          summary: 'Status, step states, variables and output of an execution',
          params: IdParams,
          response: { 200: ExecutionView, 404: ErrorResponse },
        },
      },
      async (request) => view(await executions.get(principalOf(request), request.params.id)),
    )

    app.get(
      '/api/v1/executions/:id/history',
      {
        config: { security: { permission: 'execution:read' } },
        schema: {
          tags,
          summary: 'The append-only history of an execution, oldest first; page with `after=<seq>`',
          params: IdParams,
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          }),
          response: { 200: Type.Object({ items: Type.Array(HistoryEntryView) }), 404: ErrorResponse },
        },
      },
      async (request) => {
        const rows = await executions.history(principalOf(request), request.params.id, request.query)
        return { items: rows.map(historyView) }
      },
    )

    const operation = (verb: 'pause' | 'resume' | 'retry', summary: string) =>
      app.post(
        `/api/v1/executions/:id/${verb}`,
        {
          config: { security: { permission: 'execution:update' } },
          schema: { tags, summary, params: IdParams, response: operationResponses },
        },
        async (request) => {
          const event: ExecutionEvent = { kind: verb }
          return view(await executions.operate(principalOf(request), request.params.id, event))
        },
      )
    operation('pause', 'Pause: no new step starts; running tasks may still finish')
    operation('resume', 'Resume a paused execution')
    operation('retry', 'Run a failed or timed-out execution again from its failed steps')

    app.post(
      '/api/v1/executions/:id/cancel',
      {
        preValidation: emptyBodyAsObject,
        config: { security: { permission: 'execution:update' } },
        schema: {
          tags,
          summary: 'Cancel: stop running work, then compensate completed steps in reverse order',
          params: IdParams,
          body: Type.Object(
            { reason: Type.Optional(Type.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
          response: operationResponses,
        },
      },
      async (request) => {
        const reason = request.body.reason ?? 'cancelled by a user'
        return view(
          await executions.operate(principalOf(request), request.params.id, { kind: 'cancel', reason }),
        )
      },
    )

    app.post(
      '/api/v1/executions/:id/signals/:name',
      {
        preValidation: emptyBodyAsObject,
        config: { security: { permission: 'execution:update' } },
        schema: {
          tags,
          summary: 'Send a signal: it completes a wait for it, or is kept for the next one',
          params: SignalParams,
          body: Type.Object({ payload: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
          response: operationResponses,
        },
      },
      async (request) => {
        const event: ExecutionEvent = {
          kind: 'signal',
          name: request.params.name,
          payload: request.body.payload ?? null,
        }
        return view(await executions.operate(principalOf(request), request.params.id, event))
      },
    )

    app.post(
      '/api/v1/executions/:id/steps/:stepId/complete',
      {
        config: { security: { permission: 'execution:update' } },
        schema: {
          tags,
          summary: 'Complete a human step with its output',
          params: StepParams,
          body: Type.Object({ output: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
          response: operationResponses,
        },
      },
      async (request) => {
        const { id, stepId } = request.params
        const event: ExecutionEvent = { kind: 'human-completed', stepId, output: request.body.output ?? null }
        return view(await executions.operate(principalOf(request), id, event))
      },
    )

    app.post(
      '/api/v1/executions/:id/steps/:stepId/skip',
      {
        preValidation: emptyBodyAsObject,
        config: { security: { permission: 'execution:update' } },
        schema: {
          tags,
          summary: 'Skip a step (stopping its work) with an optional output, and go on',
          params: StepParams,
          body: Type.Object({ output: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
          response: operationResponses,
        },
      },
      async (request) => {
        const { id, stepId } = request.params
        const event: ExecutionEvent = { kind: 'skip', stepId, output: request.body.output ?? null }
        return view(await executions.operate(principalOf(request), id, event))
      },
    )
    return Promise.resolve()
  }
}
