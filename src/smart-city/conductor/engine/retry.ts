import type { RetryPolicy } from '../definitions/types.js'

/** One attempt and no retry when a step declares no policy. */
export const noRetry: RetryPolicy = { maxAttempts: 1, backoff: 'fixed', delaySeconds: 0 }

/**
 * The pause before attempt `failedAttempt + 1`: the base delay, doubled per earlier attempt when exponential, then
 * capped; with jitter, drawn uniformly from [delay / 2, delay], so it never exceeds the cap.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random) {
  const base = policy.delaySeconds * 1000
  let delay = policy.backoff === 'exponential' ? base * 2 ** (failedAttempt - 1) : base
  if (policy.maxDelaySeconds !== undefined) delay = Math.min(delay, policy.maxDelaySeconds * 1000)
  if (policy.jitter) delay = delay / 2 + random() * (delay / 2)
  return Math.round(delay)
}
