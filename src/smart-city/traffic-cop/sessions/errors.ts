import { defineErrors } from '../../../kernel/error-catalogue.js'

export const sessionErrors = defineErrors('traffic-cop-sessions', {
  SESSION_NOT_FOUND: {
    kind: 'not_found',
    message: 'No session {id}.',
    description: 'The session does not exist, belongs to someone else, or has ended or expired.',
  },
  STATE_VERSION_CONFLICT: {
    kind: 'conflict',
    message: 'The state is at version {current}, not {expected}.',
    description: 'If-Match named a stale version; GET the state, re-apply the change and retry.',
  },
  STATE_TOO_LARGE: {
    kind: 'too_large',
    message: 'Session state may hold at most {maxBytes} bytes of JSON.',
    description: 'Keep session state small; store documents and files through their own APIs.',
  },
  STATE_NOT_AN_OBJECT: {
    kind: 'invalid',
    message: 'Session state must be a JSON object.',
    description: 'PUT a JSON object as `data`; PATCH with a JSON merge patch (an object).',
  },
  INVALID_IF_MATCH: {
    kind: 'invalid',
    message: 'If-Match must be a state version such as 3 or "3".',
    description: 'Send the version (or the ETag) from a previous GET.',
  },
})
