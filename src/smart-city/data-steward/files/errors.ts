import { defineErrors } from '../../../kernel/error-catalogue.js'

/** Files of the Data Steward; FILE_TOO_LARGE comes from the file store itself (storage catalogue). */
export const fileErrors = defineErrors('data-steward-files', {
  FILE_RECORD_NOT_FOUND: {
    kind: 'not_found',
    message: 'No file {id}.',
    description: 'The file does not exist in your tenant or was deleted.',
  },
  FILE_UPLOAD_NOT_MULTIPART: {
    kind: 'invalid',
    message: 'Uploads are multipart/form-data requests.',
    description:
      'Send the bytes as a `file` part of a multipart/form-data body (and optionally a `copybook` part).',
  },
  FILE_UPLOAD_MALFORMED: {
    kind: 'invalid',
    message: 'The multipart body could not be read: {reason}.',
    description: 'The body ended early or is not well-formed multipart; nothing was stored. Send it again.',
  },
  FILE_PART_MISSING: {
    kind: 'invalid',
    message: 'The upload has no `file` part.',
    description: 'Name the uploaded file part `file` (with a filename); nothing was stored.',
  },
  FILE_PART_UNEXPECTED: {
    kind: 'invalid',
    message: 'The upload has an unexpected part {part}: {reason}.',
    description:
      'An upload holds exactly one `file` part and at most one `copybook` part, both file parts; nothing was stored.',
  },
  FILE_TYPE_UNSUPPORTED: {
    kind: 'invalid',
    message: 'Content type {contentType} of part {part} is not accepted.',
    description:
      'Declare one of the accepted types (CSV, TSV, JSON, NDJSON, plain text, Markdown, PDF, XLSX, DOCX, application/octet-stream); text in an encoding other than UTF-8/UTF-16 goes as application/octet-stream.',
  },
  FILE_TYPE_MISMATCH: {
    kind: 'invalid',
    message: 'The bytes of part {part} are not {contentType}: {reason}.',
    description:
      'The declared content type does not match the content (sniffed from the bytes); nothing was stored. Declare the real type.',
  },
})
