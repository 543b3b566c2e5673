import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { importConductorWorkflow } from '../import/conductor-format.js'
import type { Conductor } from '../index.js'
import { DefinitionBody, DefinitionView, NameParams, tags, WorkflowName } from './schemas.js'

const DefinitionCreated = Type.Intersect([DefinitionView])

export function workflowRoutes(conductor: Conductor): FastifyPluginAsyncTypebox {
  const { definitions } = conductor
  return (app) => {
    app.post(
      '/api/v1/workflows',
      {
        config: { security: { permission: 'workflow:create' } },
        schema: {
          tags,
          summary: 'Create a workflow definition, or its next version when the name exists',
          body: DefinitionBody,
          response: { 201: DefinitionCreated, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const definition = await definitions.create(principalOf(request), request.body)
        return reply.code(201).send(definition)
      },
    )

    app.post(
      '/api/v1/workflows/import/conductor',
      {
        config: { security: { permission: 'workflow:create' } },
        schema: {
          tags,
          summary:
            'Import a Netflix/Orkes Conductor WorkflowDef as a native definition (next version of its name)',
          description:
            'Optional `taskDefs` (Conductor TaskDefs) supply retry and timeout settings for SIMPLE tasks. ' +
            'Anything that cannot be carried over is refused with 400 IMPORT_UNSUPPORTED listing each element.',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              tasks: Type.Array(Type.Record(Type.String(), Type.Unknown())),
              taskDefs: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
            },
            { additionalProperties: true },
          ),
          response: {
            201: Type.Object({ definition: DefinitionView, notes: Type.Array(Type.String()) }),
            400: ErrorResponse,
          },
        },
      },
      async (request, reply) => {
        const { definition, notes } = importConductorWorkflow(request.body)
        const created = await definitions.create(principalOf(request), definition)
        return reply.code(201).send({ definition: created, notes })
      },
    )

    app.get(
      '/api/v1/workflows',
      {
        config: { security: { permission: 'workflow:read' } },
        schema: {
          tags,
          summary: "The tenant's workflows with their latest version",
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({ name: Type.String(), latestVersion: Type.Integer(), versions: Type.Integer() }),
              ),
            }),
          },
        },
      },
      async (request) => ({ items: await definitions.list(principalOf(request).tenantId) }),
    )

    app.get(
      '/api/v1/workflows/:name',
      {
        config: { security: { permission: 'workflow:read' } },
        schema: {
          tags,
          summary: 'A workflow definition: the latest version, or `?version=`',
          params: NameParams,
          querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
          response: { 200: DefinitionView, 404: ErrorResponse },
        },
      },
      async (request) => {
        const { tenantId } = principalOf(request)
        const { name } = request.params
        const { version } = request.query
        return version === undefined
          ? definitions.latest(tenantId, name)
          : definitions.version(tenantId, name, version)
      },
    )

    app.get(
      '/api/v1/workflows/:name/versions',
      {
        config: { security: { permission: 'workflow:read' } },
        schema: {
          tags,
          summary: 'Every version of a workflow',
          params: Type.Object({ name: WorkflowName }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  version: Type.Integer(),
                  createdAt: Type.String({ format: 'date-time' }),
                  createdBy: Type.String(),
                }),
              ),
            }),
            404: ErrorResponse,
          },
        },
      },
      async (request) => {
        const versions = await definitions.versions(principalOf(request).tenantId, request.params.name)
        return { items: versions.map((v) => ({ ...v, createdAt: new Date(v.createdAt).toISOString() })) }
      },
    )
    return Promise.resolve()
  }
}
