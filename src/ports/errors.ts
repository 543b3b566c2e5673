import { defineErrors } from '../kernel/error-catalogue.js'

/** Errors that adapters raise at their edge, whatever technology is behind the port. */
export const storageErrors = defineErrors('storage', {
  STORAGE_UNAVAILABLE: {
    kind: 'unavailable',
    message: 'The {store} store is unavailable.',
    description: 'A database, Redis or the file store did not answer; retry later.',
    retryable: true,
  },
  KV_NOT_AN_INTEGER: {
    kind: 'conflict',
    message: 'The value at {key} is not an integer.',
    description: 'An atomic increment met a value that is not a whole number.',
  },
  FILE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No file is stored under this key.',
    description: 'The file was deleted or never written.',
  },
  FILE_KEY_INVALID: {
    kind: 'invalid',
    message: 'File key {key} is not allowed.',
    description:
      'Keys are `/`-joined segments of letters, digits, `.`, `_` and `-`, with no `..`; they never leave the root.',
  },
  FILE_TOO_LARGE: {
    kind: 'too_large',
    message: 'The file is larger than {maxBytes} bytes.',
    description: 'The stream passed the size limit and was discarded.',
  },
  MIGRATION_FAILED: {
    kind: 'internal',
    message: 'Migration {name} failed.',
    description: 'A schema migration could not be applied; the cause is logged and nothing after it ran.',
  },
})
