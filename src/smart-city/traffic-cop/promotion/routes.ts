import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorResponse } from '../../../kernel/http-schemas.js'
import { principalOf } from '../../../kernel/principal.js'
import type { PromotionRecord } from './promotion-store.js'
import type { StatePromotion } from './promotion.js'
import {
  DecisionView,
  LineageView,
  PageQuery,
  PromoteBody,
  PromotionPage,
  StateKey,
  StateKeyParams,
} from './schemas.js'

const tags = ['traffic-cop']
const iso = (ms: number) => new Date(ms).toISOString()

function view(record: PromotionRecord) {
  const { tenantId: _tenantId, seq: _seq, ...rest } = record
  return { ...rest, expiresAt: iso(record.expiresAt), createdAt: iso(record.createdAt) }
}

/** State promotion: analyze and promote a key's state, the tenant's promotion history, a key's lineage. */
export function promotionRoutes(promotion: StatePromotion): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/v1/state/:key/promote',
      {
        config: { security: { permission: 'state:create' } },
        schema: {
          tags,
          summary: 'Analyze state and, when recommended, promote it to its tier with a snapshot file',
          description:
            'Answers 201 with the promotion when promoted, 200 with `promoted: false` when promotion is not recommended.',
          params: StateKeyParams,
          body: PromoteBody,
          response: { 200: DecisionView, 201: DecisionView, 400: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const decision = await promotion.promote(principalOf(request), request.params.key, request.body)
        const { expiresAt, ...rest } = decision
        return reply
          .code(decision.promoted ? 201 : 200)
          .send({ ...rest, ...(expiresAt !== undefined && { expiresAt: iso(expiresAt) }) })
      },
    )
    app.get(
      '/api/v1/state/promotions',
      {
        config: { security: { permission: 'state:read' } },
        schema: {
          tags,
          summary: "The tenant's state promotions, newest first",
          querystring: Type.Object(
            { ...PageQuery, key: Type.Optional(StateKey) },
            { additionalProperties: false },
          ),
          response: { 200: PromotionPage, 400: ErrorResponse },
        },
      },
      async (request) => {
        const { key, ...page } = request.query
        const result = await promotion.history(principalOf(request), { key }, page)
        return { items: result.items.map(view), nextCursor: result.nextCursor }
      },
    )
    app.get(
      '/api/v1/state/:key/lineage',
      {
        config: { security: { permission: 'state:read' } },
        schema: {
          tags,
          summary: "A key's chain of promotions, latest first, with its current value's tier and expiry",
          params: StateKeyParams,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: LineageView, 400: ErrorResponse, 404: ErrorResponse },
        },
      },
      async (request) => {
        const lineage = await promotion.lineage(principalOf(request), request.params.key, request.query)
        const { current } = lineage
        return {
          ...lineage,
          current: current && { ...current, expiresAt: iso(current.expiresAt) },
          items: lineage.items.map(view),
        }
      },
    )
    return Promise.resolve()
  }
}
