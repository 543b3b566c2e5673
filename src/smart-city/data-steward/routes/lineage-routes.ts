import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { DataSteward } from '../index.js'
import { defaultLineageDepth, maxLineageDepth } from '../lineage/lineage.js'
import { IdParams, tags } from './views.js'

const Kind = Type.Union([Type.String(), Type.Null()], {
  description: 'file, dataset, document or report when known from the id; null otherwise.',
})
const Node = Type.Object({
  id: Type.String(),
  kind: Kind,
  relation: Type.String(),
  via: Type.String({ description: 'The neighbour one step closer to the artifact asked about.' }),
  depth: Type.Integer(),
})
const LineageView = Type.Object({
  id: Type.String(),
  kind: Kind,
  upstream: Type.Array(Node),
  downstream: Type.Array(Node),
  truncated: Type.Boolean(),
})

export function lineageRoutes(steward: DataSteward): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/v1/lineage/:id',
      {
        config: { security: { permission: 'lineage:read' } },
        schema: {
          tags,
          summary:
            'What an artifact was derived from (upstream) and what derives from it (downstream), transitively',
          params: IdParams,
          querystring: Type.Object(
            {
              depth: Type.Optional(
                Type.Integer({ minimum: 1, maximum: maxLineageDepth, default: defaultLineageDepth }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 200: LineageView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) =>
        steward.lineage.graph(principalOf(request).tenantId, request.params.id, request.query.depth),
    )
    return Promise.resolve()
  }
}
