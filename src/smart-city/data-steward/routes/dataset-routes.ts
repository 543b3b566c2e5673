import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse, emptyBodyAsObject } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { DataSteward } from '../index.js'
import {
  DatasetView,
  IdParams,
  JsonSchemaBody,
  PageQuery,
  Ratio,
  datasetView,
  pageOf,
  tags,
} from './views.js'

export const previewDefaults = { maxRows: 20, maxColumns: 50 }
export const previewMaxima = { maxRows: 1000, maxColumns: 500 }

const PreviewQuery = Type.Object(
  {
    maxRows: Type.Optional(Type.Integer({ minimum: 1, maximum: previewMaxima.maxRows, default: 20 })),
    maxColumns: Type.Optional(Type.Integer({ minimum: 1, maximum: previewMaxima.maxColumns, default: 50 })),
  },
  { additionalProperties: false },
)
const PreviewView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  columns: DatasetView.properties.columns,
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  text: Type.Optional(Type.String()),
  totalRows: Type.Integer(),
  totalColumns: Type.Integer(),
  truncated: Type.Boolean(),
})
const QualityBody = Type.Object(
  {
    schema: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'A registered schema name.' }),
    ),
    schemaVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
)
const Issue = Type.Object({
  check: Type.String(),
  column: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
})
const QualityView = Type.Object({
  datasetId: Type.String(),
  schema: Type.Object({
    source: Type.Union([Type.Literal('registry'), Type.Literal('inferred')]),
    name: Type.Optional(Type.String()),
    version: Type.Optional(Type.Integer()),
    jsonSchema: Type.Optional(JsonSchemaBody),
  }),
  rowCount: Type.Integer(),
  columnCount: Type.Integer(),
  score: Type.Object({
    overall: Ratio,
    checks: Type.Integer(),
    issues: Type.Integer(),
    byCheck: Type.Record(Type.String(), Type.Integer()),
  }),
  completeness: Type.Object({
    overall: Ratio,
    columns: Type.Array(Type.Object({ name: Type.String(), nonNull: Type.Integer(), ratio: Ratio })),
  }),
  validity: Type.Object({ validRecords: Type.Integer(), invalidRecords: Type.Integer(), ratio: Ratio }),
  uniqueness: Type.Object({
    columns: Type.Array(
      Type.Object({
        name: Type.String(),
        distinct: Type.Integer(),
        ratio: Ratio,
        approximate: Type.Boolean(),
      }),
    ),
    distinctRows: Type.Integer(),
    duplicateRows: Type.Integer(),
    approximate: Type.Boolean(),
  }),
  typeConformity: Type.Object({
    overall: Ratio,
    columns: Type.Array(
      Type.Object({
        name: Type.String(),
        type: Type.String(),
        checked: Type.Integer(),
        conforming: Type.Integer(),
        ratio: Ratio,
      }),
    ),
  }),
  worstRecords: Type.Array(
    Type.Object({
      index: Type.Integer(),
      score: Type.Number(),
      checks: Type.Integer(),
      issues: Type.Array(Issue),
    }),
  ),
})

export function datasetRoutes(steward: DataSteward): FastifyPluginAsyncTypebox {
  const { datasets, analysis } = steward
  return (app) => {
    app.get(
      '/api/v1/datasets',
      {
        config: { security: { permission: 'dataset:read' } },
        schema: {
          tags,
          summary: "The tenant's datasets, newest first",
          querystring: PageQuery,
          response: { 200: pageOf(DatasetView) },
        },
      },
      async (request) => {
        const page = await datasets.list(principalOf(request).tenantId, request.query)
        return { items: page.items.map(datasetView), nextCursor: page.nextCursor }
      },
    )
    app.get(
      '/api/v1/datasets/:id',
      {
        config: { security: { permission: 'dataset:read' } },
        schema: {
          tags,
          summary: 'A dataset: kind, columns, row count, size and source',
          params: IdParams,
          response: { 200: DatasetView, 404: ErrorResponse },
        },
      },
      async (request) => datasetView(await datasets.get(principalOf(request).tenantId, request.params.id)),
    )
    app.get(
      '/api/v1/datasets/:id/preview',
      {
        config: { security: { permission: 'dataset:read' } },
        schema: {
          tags,
          summary: `The first rows and columns of a table (or lines of a text); at most ${previewMaxima.maxRows} rows and ${previewMaxima.maxColumns} columns`,
          params: IdParams,
          querystring: PreviewQuery,
          response: { 200: PreviewView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) =>
        datasets.preview(principalOf(request).tenantId, request.params.id, {
          maxRows: request.query.maxRows ?? previewDefaults.maxRows,
          maxColumns: request.query.maxColumns ?? previewDefaults.maxColumns,
        }),
    )
    app.delete(
      '/api/v1/datasets/:id',
      {
        config: { security: { permission: 'dataset:delete' } },
        schema: {
          tags,
          summary: 'Delete a dataset and its stored rows (its lineage stays as history)',
          params: IdParams,
          response: { 204: Type.Null(), 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await datasets.delete(principalOf(request).tenantId, request.params.id)
        return reply.code(204).send(null)
      },
    )
    app.get(
      '/api/v1/datasets/:id/inferred-schema',
      {
        config: { security: { permission: 'dataset:read' } },
        schema: {
          tags,
          summary:
            'A JSON Schema inferred from the rows: types, required (never-null) columns, date/date-time/email formats, enums for small repeated value sets',
          params: IdParams,
          response: {
            200: Type.Object({ datasetId: Type.String(), jsonSchema: JsonSchemaBody }),
            400: ErrorResponse,
            404: ErrorResponse,
          },
        },
      },
      async (request) => ({
        datasetId: request.params.id,
        jsonSchema: await analysis.inferSchema(principalOf(request).tenantId, request.params.id),
      }),
    )
    app.post(
      '/api/v1/datasets/:id/quality',
      {
        config: { security: { permission: 'dataset:execute' } },
        preValidation: emptyBodyAsObject,
        schema: {
          tags,
          summary:
            'A quality report: completeness, validity (against the named schema, or the inferred one), uniqueness, type conformity, per-record scores',
          params: IdParams,
          body: QualityBody,
          response: { 200: QualityView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) =>
        analysis.quality(principalOf(request).tenantId, request.params.id, {
          ...(request.body.schema !== undefined && { schema: request.body.schema }),
          ...(request.body.schemaVersion !== undefined && { schemaVersion: request.body.schemaVersion }),
        }),
    )
    return Promise.resolve()
  }
}
