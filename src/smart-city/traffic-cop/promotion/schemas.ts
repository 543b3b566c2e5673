import { Type } from 'typebox'

/** Request and response schemas of the state-promotion routes. */
const strict = { additionalProperties: false }
const Timestamp = Type.String({ format: 'date-time' })
const Name = Type.String({ minLength: 1, maxLength: 64 })

export const StateKey = Type.String({
  // 100: the router's limit on a path parameter (longer ones get 414 before validation)
  pattern: '^[A-Za-z0-9._:-]{1,100}$',
  description: 'A per-tenant state key: 1–100 of letters, digits, `.`, `_`, `:` and `-`.',
})
export const StateKeyParams = Type.Object({ key: StateKey })

export const PromoteBody = Type.Object(
  {
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'The state, a JSON object.' }),
    type: Type.Optional(Name),
    tags: Type.Optional(Type.Array(Name, { maxItems: 50 })),
    importance: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    promote: Type.Optional(Type.Boolean()),
    sessionId: Type.Optional(Name),
    context: Type.Optional(
      Type.Object(
        {
          persistentSession: Type.Optional(Type.Boolean()),
          userPreferences: Type.Optional(
            Type.Object({ persistentState: Type.Optional(Type.Boolean()) }, strict),
          ),
        },
        strict,
      ),
    ),
  },
  strict,
)

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  cursor: Type.Optional(Type.String({ maxLength: 256 })),
}

const Scores = Type.Object({ complexity: Type.Integer(), size: Type.Integer(), importance: Type.Integer() })
const Strategy = Type.Union([
  Type.Literal('immediate_persist'),
  Type.Literal('delayed_persist'),
  Type.Literal('cache_only'),
])
const Tier = Type.Union([Type.Literal('sql'), Type.Literal('key-value'), Type.Literal('memory')])
const Snapshot = Type.Object({ key: Type.String(), size: Type.Integer(), sha256: Type.String() })

export const DecisionView = Type.Object({
  promoted: Type.Boolean(),
  reason: Type.String(),
  strategy: Strategy,
  tier: Tier,
  ttlSeconds: Type.Integer(),
  scores: Scores,
  promotionId: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Timestamp),
  snapshot: Type.Optional(Snapshot),
})

export const PromotionView = Type.Object({
  id: Type.String(),
  key: Type.String(),
  previousPromotionId: Type.Union([Type.String(), Type.Null()]),
  type: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  strategy: Strategy,
  tier: Tier,
  ttlSeconds: Type.Integer(),
  expiresAt: Timestamp,
  reason: Type.String(),
  scores: Scores,
  snapshot: Snapshot,
  actor: Type.Object({ type: Type.String(), id: Type.String() }),
  sessionId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
})

export const PromotionPage = Type.Object({
  items: Type.Array(PromotionView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

export const LineageView = Type.Object({
  key: Type.String(),
  current: Type.Union([
    Type.Object({ promotionId: Type.String(), tier: Tier, expiresAt: Timestamp, data: Type.Unknown() }),
    Type.Null(),
  ]),
  items: Type.Array(PromotionView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
