import type { PlatformService } from '../../kernel/lifecycle.js'
import { type Datasets, createDatasets } from './datasets/datasets.js'
import type { DataStewardDeps } from './deps.js'
import { createFileLibrary, type FileLibrary } from './files/index.js'
import { type Lineage, createLineage } from './lineage/lineage.js'
import { type DatasetAnalysis, createDatasetAnalysis } from './quality/assess.js'
import { type SchemaRegistry, createSchemaRegistry } from './schemas/registry.js'

export { dataStewardMigrations } from './migrations.js'
export { dataStewardErrors } from './errors.js'
export type { DataStewardDeps, TenantContext } from './deps.js'
export type { ColumnInfo, ColumnType } from './datasets/columns.js'
export type { DatasetRecord, DatasetSource, DatasetKind } from './datasets/records.js'
export type { DatasetWriter, NewDataset } from './datasets/datasets.js'
export type { ArtifactKind, ArtifactKindLookup, LineageSource } from './lineage/lineage.js'

export const dataStewardVersion = '1.0.0'

/**
 * The Data Steward: uploaded files (streamed, type-checked, checksummed), table and text datasets (records in SQL, rows as JSON lines in the file store, written by
 * producers through a streaming writer), a versioned JSON Schema registry with validation, schema inference,
 * data-quality reports, and lineage between artifacts.
 */
export interface DataSteward {
  readonly files: FileLibrary
  readonly datasets: Datasets
  readonly schemas: SchemaRegistry
  readonly lineage: Lineage
  readonly analysis: DatasetAnalysis
}

export function createDataStewardService(deps: DataStewardDeps): {
  dataSteward: DataSteward
  service: PlatformService
} {
  const files = createFileLibrary(deps)
  const lineage = createLineage(deps)
  const datasets = createDatasets(deps, lineage)
  const schemas = createSchemaRegistry(deps)
  lineage.registerKind({ prefix: 'ds', kind: 'dataset', existing: datasets.existing })
  lineage.registerKind({
    prefix: 'fil',
    kind: 'file',
    existing: (tenantId, ids) => files.existing(tenantId, ids),
  })
  const dataSteward: DataSteward = {
    files,
    datasets,
    schemas,
    lineage,
    analysis: createDatasetAnalysis(datasets, schemas),
  }
  const service: PlatformService = {
    descriptor: {
      name: 'data-steward',
      realm: 'smart-city',
      version: dataStewardVersion,
      capabilities: ['files', 'datasets', 'schemas', 'validation', 'data-quality', 'lineage'],
      dependsOn: ['curator', 'security-guard'],
    },
    async healthCheck() {
      try {
        await deps.database.ping()
        await deps.files.ping()
        return { status: 'healthy' }
      } catch (error) {
        return {
          status: 'unhealthy',
          details: { reason: error instanceof Error ? error.message : 'storage unreachable' },
        }
      }
    },
  }
  return { dataSteward, service }
}
