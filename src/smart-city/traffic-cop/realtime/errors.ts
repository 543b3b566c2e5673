import { defineErrors } from '../../../kernel/error-catalogue.js'

/** Codes of WebSocket error frames about channels. */
export const realtimeErrors = defineErrors('traffic-cop-realtime', {
  CHANNEL_INVALID: {
    kind: 'invalid',
    message: 'Channel {channel} is not session:<id>, run:<id> or events:<pattern>.',
    description:
      'Subscribe to `session:<id>`, `run:<id>` or `events:<pattern>` (pattern of letters, digits, `.`, `_`, `-`, `*`).',
  },
  CHANNEL_REFUSED: {
    kind: 'not_found',
    message: 'Channel {channel} is not yours to read.',
    description:
      "The channel names a session that is not the caller's (another user's or tenant's), or one that ended.",
  },
  TOO_MANY_SUBSCRIPTIONS: {
    kind: 'rate_limited',
    message: 'A connection may hold at most {max} subscriptions.',
    description: 'Unsubscribe from channels you no longer need, or open another connection.',
  },
})
