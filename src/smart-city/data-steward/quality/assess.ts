import type { Datasets } from '../datasets/datasets.js'
import { type JsonSchema, compileSchema } from '../schemas/compile.js'
import { createSchemaInference } from '../schemas/infer.js'
import type { SchemaRegistry } from '../schemas/registry.js'
import { type QualityReport, createQualityAssessment } from './quality.js'

export interface QualityOptions {
  /** A registered schema's name; without it the dataset's inferred schema is used. */
  schema?: string
  schemaVersion?: number
}

export type SchemaUsed =
  { source: 'registry'; name: string; version: number } | { source: 'inferred'; jsonSchema: JsonSchema }

export type DatasetQuality = QualityReport & { datasetId: string; schema: SchemaUsed }

/** Schema inference and quality reports over stored table datasets, streaming their rows. */
export function createDatasetAnalysis(datasets: Datasets, schemas: SchemaRegistry) {
  async function inferSchema(tenantId: string, datasetId: string): Promise<JsonSchema> {
    const record = await datasets.table(tenantId, datasetId)
    const inference = createSchemaInference(record.columns)
    for await (const row of await datasets.readRows(tenantId, datasetId)) inference.observe(row)
    return inference.schema()
  }

  return {
    inferSchema,

    async quality(
      tenantId: string,
      datasetId: string,
      options: QualityOptions = {},
    ): Promise<DatasetQuality> {
      const record = await datasets.table(tenantId, datasetId)
      let used: SchemaUsed
      let jsonSchema: JsonSchema
      let assessment
      if (options.schema !== undefined) {
        const { schema, validate } = await schemas.validator(tenantId, options.schema, options.schemaVersion)
        used = { source: 'registry', name: schema.name, version: schema.version }
        jsonSchema = schema.jsonSchema
        assessment = createQualityAssessment(record.columns, jsonSchema, validate)
      } else {
        jsonSchema = await inferSchema(tenantId, datasetId)
        used = { source: 'inferred', jsonSchema }
        assessment = createQualityAssessment(record.columns, jsonSchema, compileSchema(jsonSchema))
      }
      for await (const row of await datasets.readRows(tenantId, datasetId)) assessment.observe(row)
      return { datasetId, schema: used, ...assessment.report() }
    },
  }
}

export type DatasetAnalysis = ReturnType<typeof createDatasetAnalysis>
