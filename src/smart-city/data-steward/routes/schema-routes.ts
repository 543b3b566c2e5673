import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { DataSteward } from '../index.js'
import { maxValidateRecords } from '../schemas/registry.js'
import type { SchemaRecord } from '../schemas/registry.js'
import { JsonSchemaBody, PageQuery, Timestamp, iso, pageOf, tags } from './views.js'

const SchemaName = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$',
  description: 'Letters, digits, `_`, `.` and `-`, starting with a letter; at most 64 characters.',
})
const NameParams = Type.Object({ name: SchemaName })
const VersionQuery = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
)
const SchemaView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  jsonSchema: JsonSchemaBody,
  createdBy: Type.String(),
  createdAt: Timestamp,
})
const SchemaSummaryView = Type.Object({
  name: Type.String(),
  latestVersion: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
})
const ValidationView = Type.Object({
  schema: Type.Object({ name: Type.String(), version: Type.Integer() }),
  valid: Type.Boolean(),
  invalidRecords: Type.Integer(),
  errors: Type.Array(
    Type.Object({
      index: Type.Integer({ description: 'The record, by its position in `records`.' }),
      path: Type.String({ description: 'A JSON pointer into the record; empty for the record itself.' }),
      message: Type.String(),
      keyword: Type.String(),
    }),
  ),
  errorsTruncated: Type.Boolean(),
})

const schemaView = (s: SchemaRecord) => ({ ...s, createdAt: iso(s.createdAt) })

export function schemaRoutes(steward: DataSteward): FastifyPluginAsyncTypebox {
  const { schemas } = steward
  return (app) => {
    app.post(
      '/api/v1/schemas',
      {
        config: { security: { permission: 'schema:create' } },
        schema: {
          tags,
          summary:
            'Register a JSON Schema (2020-12) under a name: a new version each time, checked by compiling it',
          body: Type.Object(
            { name: SchemaName, jsonSchema: JsonSchemaBody },
            { additionalProperties: false },
          ),
          response: { 201: SchemaView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        const schema = await schemas.register(principal, request.body)
        return reply.code(201).send(schemaView(schema))
      },
    )
    app.get(
      '/api/v1/schemas',
      {
        config: { security: { permission: 'schema:read' } },
        schema: {
          tags,
          summary: "The tenant's schema names with their latest versions, in order of first registration",
          querystring: PageQuery,
          response: { 200: pageOf(SchemaSummaryView) },
        },
      },
      async (request) => {
        const page = await schemas.list(principalOf(request).tenantId, request.query)
        return {
          items: page.items.map((s) => ({ ...s, createdAt: iso(s.createdAt), updatedAt: iso(s.updatedAt) })),
          nextCursor: page.nextCursor,
        }
      },
    )
    app.get(
      '/api/v1/schemas/:name',
      {
        config: { security: { permission: 'schema:read' } },
        schema: {
          tags,
          summary: 'A schema: its latest version, or `?version=`',
          params: NameParams,
          querystring: VersionQuery,
          response: { 200: SchemaView, 404: ErrorResponse },
        },
      },
      async (request) =>
        schemaView(
          await schemas.get(principalOf(request).tenantId, request.params.name, request.query.version),
        ),
    )
    app.post(
      '/api/v1/schemas/:name/validate',
      {
        config: { security: { permission: 'schema:execute' } },
        schema: {
          tags,
          summary: `Validate up to ${maxValidateRecords} records; errors name the record index and a JSON pointer`,
          params: NameParams,
          body: Type.Object(
            {
              records: Type.Array(Type.Unknown(), { maxItems: maxValidateRecords }),
              version: Type.Optional(Type.Integer({ minimum: 1 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: ValidationView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) =>
        schemas.validate(
          principalOf(request).tenantId,
          request.params.name,
          request.body.records,
          request.body.version,
        ),
    )
    return Promise.resolve()
  }
}
