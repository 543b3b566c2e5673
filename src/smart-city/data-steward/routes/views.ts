import { Type } from 'typebox'
import type { DatasetRecord } from '../datasets/records.js'

export const tags = ['data-steward']
export const iso = (ms: number) => new Date(ms).toISOString()
export const Timestamp = Type.String({ format: 'date-time' })
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    cursor: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
)
export const Ratio = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
  description: 'A share between 0 and 1; null when there is nothing to measure (no rows, no values).',
})
export const JsonSchemaBody = Type.Record(Type.String(), Type.Unknown(), {
  description: 'A JSON Schema (2020-12) object.',
})

export function pageOf<T extends object>(itemSchema: T) {
  return Type.Object({ items: Type.Array(itemSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) })
}

export const ColumnView = Type.Object({ name: Type.String(), type: Type.String(), nullable: Type.Boolean() })

export const DatasetView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('table'), Type.Literal('text')]),
  columns: Type.Array(ColumnView),
  rowCount: Type.Integer({ description: 'Rows of a table; lines of a text.' }),
  sizeBytes: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  source: Type.Optional(
    Type.Object({ fileId: Type.String(), parsingType: Type.String(), sheet: Type.Optional(Type.String()) }),
  ),
})

export function datasetView(record: DatasetRecord) {
  const { tenantId: _tenant, createdAt, ...rest } = record
  return { ...rest, createdAt: iso(createdAt) }
}
