import { defineErrors } from '../../kernel/error-catalogue.js'

export const librarianErrors = defineErrors('librarian', {
  DOCUMENT_NOT_FOUND: {
    kind: 'not_found',
    message: 'No document {id}.',
    description: 'The document does not exist in your tenant or was deleted.',
  },
  DOCUMENT_VERSION_CONFLICT: {
    kind: 'conflict',
    message: 'The document is at version {current}, not {expected}.',
    description: 'Another change landed first; read the document again and retry with its current version.',
  },
  DOCUMENT_IF_MATCH_INVALID: {
    kind: 'invalid',
    message: 'If-Match must be a document version such as "3".',
    description: 'Send the ETag (the version) you read, or leave If-Match out for an unconditional update.',
  },
  DOCUMENT_COLLECTION_INVALID: {
    kind: 'invalid',
    message: 'Collection names are 1-64 letters, digits and . _ - (starting with a letter or digit).',
    description: 'Pick a collection name such as `contracts` or `parsed-files`.',
  },
  DOCUMENT_TITLE_INVALID: {
    kind: 'invalid',
    message: 'A title is 1-{maxLength} characters and not only spaces.',
    description: 'Give the document a short, non-empty title.',
  },
  DOCUMENT_BODY_INVALID: {
    kind: 'invalid',
    message: 'A document body is a string.',
    description: 'Send the text of the document as `body` (it may be empty).',
  },
  DOCUMENT_BODY_TOO_LARGE: {
    kind: 'too_large',
    message: 'A document body may hold at most {maxBytes} bytes.',
    description: 'Split the text into several documents, or raise SYMPHAINY_LIBRARIAN_MAX_BODY_BYTES.',
  },
  DOCUMENT_METADATA_INVALID: {
    kind: 'invalid',
    message: 'Metadata is invalid: {reason}.',
    description:
      'Metadata is a flat object of at most 32 keys (letters, digits, _ . -; up to 64 characters) whose values are strings (up to 256 characters), finite numbers or booleans.',
  },
  DOCUMENT_TAGS_INVALID: {
    kind: 'invalid',
    message: 'Tags are invalid: {reason}.',
    description:
      'At most 32 tags, each 1-64 letters, digits, spaces and . _ : - (starting with a letter or digit).',
  },
  SEARCH_QUERY_INVALID: {
    kind: 'invalid',
    message: 'The search query cannot be used ({reason}).',
    description:
      'Queries are words, "phrases", OR between two items and -exclusions; quotes must be balanced, OR needs an item on each side, and at least one word must be searchable.',
  },
  SEARCH_FILTER_INVALID: {
    kind: 'invalid',
    message: 'The filter {parameter} is invalid: {reason}.',
    description: 'Filter with `collection=`, repeatable `tag=` and `metadata.<key>=<value>` (exact match).',
  },
})
