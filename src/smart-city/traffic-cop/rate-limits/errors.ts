import { defineErrors } from '../../../kernel/error-catalogue.js'

export const rateLimitErrors = defineErrors('traffic-cop-rate-limits', {
  RATE_LIMITED: {
    kind: 'rate_limited',
    message: 'Too many requests for the rate-limit policy {policy}; retry in {retryAfterSeconds} s.',
    description:
      'A rate-limit policy refused the request and consumed nothing; wait `Retry-After` seconds (see the `RateLimit-*` headers).',
    retryable: true,
  },
  RATE_LIMIT_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The rate limiter cannot decide right now; retry shortly.',
    description:
      'The key-value store holding the limits is unreachable and this route fails closed (login, sign-up and refresh always do).',
    retryable: true,
  },
  RATE_LIMIT_POLICY_NOT_FOUND: {
    kind: 'not_found',
    message: 'No rate-limit policy named {name} in this tenant.',
    description:
      'The tenant has no policy of that name (platform-wide policies from configuration cannot be deleted); `GET /api/v1/rate-limits` lists them.',
  },
  RATE_LIMIT_POLICY_INVALID: {
    kind: 'invalid',
    message: 'The rate-limit policy is not valid: {problems}.',
    description: 'Fix each listed problem (scope, limit, windowSeconds, routes or name) and send it again.',
  },
  RATE_LIMIT_POLICIES_TOO_MANY: {
    kind: 'conflict',
    message: 'A tenant may have at most {max} rate-limit policies.',
    description: 'Delete a policy, or merge routes into fewer policies, before adding another.',
  },
})
