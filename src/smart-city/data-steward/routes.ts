import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { DataSteward } from './index.js'
import { fileRoutes } from './files/index.js'
import { datasetRoutes } from './routes/dataset-routes.js'
import { lineageRoutes } from './routes/lineage-routes.js'
import { schemaRoutes } from './routes/schema-routes.js'

/** The Data Steward's HTTP routes (files, datasets, schemas, quality, lineage). */
export function dataStewardRoutes(steward: DataSteward): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(fileRoutes(steward.files))
    await app.register(datasetRoutes(steward))
    await app.register(schemaRoutes(steward))
    await app.register(lineageRoutes(steward))
  }
}
