import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import { securityErrors } from '../../../smart-city/security-guard/errors.js'
import { decide } from '../../../smart-city/security-guard/permissions.js'
import type { ContentPillar } from './content-pillar.js'
import { parsingTypes } from './parsing/types.js'

const tags = ['content']
const maxRecordBytes = 8 * 1024 * 1024
const encodings = ['utf-8', 'utf-16le', 'utf-16be', 'latin1', 'cp1252', 'ascii', 'ebcdic', 'cp037'] as const

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

const ParseOptionsBody = Type.Object(
  {
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    quote: Type.Optional(Type.String({ minLength: 1, maxLength: 1 })),
    encoding: Type.Optional(literals(encodings)),
    header: Type.Optional(Type.Union([Type.Boolean(), Type.Literal('auto')])),
    sheets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100 })),
    typeSampleRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    maxRecordBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: maxRecordBytes })),
    maxColumns: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    recordFormat: Type.Optional(literals(['fixed', 'newline'] as const)),
    recordName: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
)

const ParseBody = Type.Object(
  {
    fileId: Type.String({ minLength: 1, maxLength: 128 }),
    parsingType: Type.Optional(literals(parsingTypes)),
    options: Type.Optional(ParseOptionsBody),
  },
  { additionalProperties: false },
)

const Column = Type.Object({ name: Type.String(), type: Type.String(), nullable: Type.Boolean() })
const ParsedDatasetView = Type.Object({
  datasetId: Type.String(),
  name: Type.String(),
  sheet: Type.Optional(Type.String()),
  rows: Type.Integer(),
  columns: Type.Array(Column),
})
const ParseView = Type.Object({
  datasetId: Type.String({ description: 'The (first) dataset made.' }),
  kind: Type.Union([Type.Literal('table'), Type.Literal('text')]),
  parsingType: Type.String(),
  rows: Type.Optional(Type.Integer()),
  columns: Type.Optional(Type.Array(Column)),
  datasets: Type.Optional(Type.Array(ParsedDatasetView, { description: 'One per table (XLSX: per sheet).' })),
  text: Type.Optional(
    Type.String({ description: 'The beginning of the text; the dataset holds all of it.' }),
  ),
  textTruncated: Type.Optional(Type.Boolean()),
  title: Type.Optional(Type.String()),
  pages: Type.Optional(Type.Integer()),
})

/** `POST /api/v1/content/parse`: needs `dataset:create`, and `file:read` on the file parsed. */
export function contentRoutes(content: ContentPillar): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/content/parse',
      {
        config: { security: { permission: 'dataset:create' } },
        schema: {
          tags,
          summary:
            'Parse an uploaded file into datasets (CSV, TSV, JSON, JSONL, XLSX per sheet, copybook records) or a text dataset (text, Markdown, PDF, DOCX)',
          body: ParseBody,
          response: { 201: ParseView, 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request)
        if (!decide(principal.permissions, 'file', 'read').allowed)
          throw securityErrors.PERMISSION_DENIED({ permission: 'file:read' })
        const result = await content.parse(
          { tenantId: principal.tenantId, userId: principal.userId },
          {
            fileId: request.body.fileId,
            ...(request.body.parsingType !== undefined && { parsingType: request.body.parsingType }),
            ...(request.body.options !== undefined && { options: request.body.options }),
          },
        )
        return reply.code(201).send(result)
      },
    )
    return Promise.resolve()
  }
}
