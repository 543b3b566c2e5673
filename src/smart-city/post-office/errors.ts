import { defineErrors } from '../../kernel/error-catalogue.js'

export const postOfficeErrors = defineErrors('post-office', {
  MESSAGE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No message {id}.',
    description: 'The message does not exist in your tenant, was already acked, or is a dead letter.',
  },
  DEAD_LETTER_NOT_FOUND: {
    kind: 'not_found',
    message: 'No dead letter {id} in mailbox {recipient}.',
    description:
      'The message is not a dead letter of this mailbox in your tenant: it never was, or it was replayed or deleted.',
  },
  RECEIPT_STALE: {
    kind: 'conflict',
    message: 'The receipt does not hold the lease of message {id}.',
    description:
      'The lease ended and the message was received again (or nacked); only the newest receipt may ack or nack it.',
  },
  MAILBOX_NAME_INVALID: {
    kind: 'invalid',
    message: 'Mailbox names are 1-128 letters, digits and . _ : - (starting with a letter or digit).',
    description: 'Pick a mailbox name such as `journey-runner` or `agent.reviewer`.',
  },
  EVENT_TYPE_INVALID: {
    kind: 'invalid',
    message: 'Event types are dot-separated segments of letters, digits, _ and - (at most 128 characters).',
    description: 'Use a type such as `journey.completed`; `*` and `#` belong in subscription patterns only.',
  },
  PATTERN_INVALID: {
    kind: 'invalid',
    message: 'The pattern {pattern} is not a topic pattern.',
    description:
      'Dot-separated segments; `*` stands for exactly one segment and a final `#` for any number (also none).',
  },
  PAYLOAD_TOO_LARGE: {
    kind: 'too_large',
    message: 'A message or event payload may hold at most {maxBytes} bytes of JSON.',
    description: 'Send a reference (a document or file id) instead of a large payload.',
  },
  WEBHOOK_URL_INVALID: {
    kind: 'invalid',
    message: 'The webhook URL {url} is not allowed: {reason}.',
    description: 'Webhooks take absolute http(s) URLs without credentials or fragments.',
  },
  WEBHOOK_ADDRESS_FORBIDDEN: {
    kind: 'invalid',
    message: 'The webhook host {host} is or resolves to a non-public address.',
    description:
      'Loopback, private, link-local, unique-local, shared (CGNAT), multicast and metadata addresses are refused (SSRF guard).',
  },
  WORKFLOW_TARGET_INVALID: {
    kind: 'invalid',
    message: 'A workflow target needs a workflow name.',
    description: 'Give `{kind:"workflow", workflow:"<name>", version?}`.',
  },
  MAILBOX_TARGET_INVALID: {
    kind: 'invalid',
    message: 'A mailbox target needs a mailbox name.',
    description: 'Give `{kind:"mailbox", mailbox:"<name>"}` with a valid mailbox name.',
  },
  SUBSCRIPTION_NOT_FOUND: {
    kind: 'not_found',
    message: 'No subscription {id}.',
    description: 'The subscription does not exist in your tenant or was deleted.',
  },
  AGENT_NAME_TAKEN: {
    kind: 'conflict',
    message: 'An agent named {name} is already registered.',
    description: 'Agent names are unique within a tenant.',
  },
  WORKFLOW_STARTER_MISSING: {
    kind: 'unavailable',
    message: 'No workflow engine is attached to the Post Office yet.',
    description:
      'A workflow-target delivery waits (and is retried) until the Conductor attaches its starter.',
    retryable: true,
  },
})
