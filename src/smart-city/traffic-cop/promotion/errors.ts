import { defineErrors } from '../../../kernel/error-catalogue.js'

export const promotionErrors = defineErrors('traffic-cop-promotion', {
  STATE_KEY_NOT_FOUND: {
    kind: 'not_found',
    message: 'No state key {key} has been promoted.',
    description:
      "The caller's tenant has no promotion of this key; keys are a per-tenant namespace, so another tenant's key is not found either.",
  },
  PROMOTION_CONFLICT: {
    kind: 'conflict',
    message: 'Another promotion of {key} happened at the same time.',
    description:
      'Concurrent promotions of one key raced for the same place in its lineage; retry the request.',
    retryable: true,
  },
})
