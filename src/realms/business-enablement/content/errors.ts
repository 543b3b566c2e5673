import { defineErrors } from '../../../kernel/error-catalogue.js'

/**
 * Errors of the Content pillar. Every parse failure is `invalid` (400) and says where in the input it
 * happened.
 */
export const contentErrors = defineErrors('content', {
  PARSE_UNSUPPORTED_TYPE: {
    kind: 'invalid',
    message: 'Files like {fileName} ({contentType}) cannot be parsed{requested}.',
    description:
      'Give `parsingType` explicitly (csv, tsv, json, jsonl, xlsx, text, markdown, pdf, docx, copybook) or upload a file of a supported type.',
  },
  PARSE_COPYBOOK_REQUIRED: {
    kind: 'invalid',
    message: 'Parsing mainframe records needs the COBOL copybook that describes them.',
    description: 'Send the copybook text along with the data file.',
  },
  PARSE_INVALID_OPTION: {
    kind: 'invalid',
    message: 'The parse option {option} is not valid: {reason}.',
    description: 'See the parsing options in the API reference; `details.option` names the offending one.',
  },
  PARSE_EMPTY_FILE: {
    kind: 'invalid',
    message: 'The file {fileName} is empty.',
    description: 'There is nothing to parse; upload a file with content.',
  },
  PARSE_INVALID_ENCODING: {
    kind: 'invalid',
    message: 'The bytes at position {position} are not valid {encoding}.',
    description:
      'Text must be valid in the declared encoding (UTF-8 unless `encoding` says otherwise); `details.position` is the byte offset.',
  },
  PARSE_TOO_LARGE: {
    kind: 'invalid',
    message: 'The input exceeds the parser limit: {reason}.',
    description:
      'A single record, line or cell is larger than the parser accepts (for example an unclosed quote running to the end of the file), or there are too many columns.',
  },
  PARSE_MALFORMED_CSV: {
    kind: 'invalid',
    message: 'The CSV is malformed at line {line}: {reason}.',
    description:
      '`details.line` (1-based, physical lines) and, when known, `details.column` locate the problem, for example an unclosed quote.',
  },
  PARSE_MALFORMED_JSON: {
    kind: 'invalid',
    message: 'The JSON is malformed at line {line}, column {column}: {reason}.',
    description:
      '`details.line` and `details.column` are 1-based; `details.position` is the character offset.',
  },
  PARSE_MALFORMED_JSONL: {
    kind: 'invalid',
    message: 'Line {line} of the JSON Lines file is not valid: {reason}.',
    description:
      'Each non-blank line must hold one JSON value; objects become rows. `details.line` is 1-based, `details.column` given when known.',
  },
  PARSE_JSON_SHAPE: {
    kind: 'invalid',
    message: 'The JSON cannot become a table: {reason}.',
    description:
      'Give an array of objects (or of scalars), an object holding exactly one such array, or a single object.',
  },
  PARSE_CORRUPT_XLSX: {
    kind: 'invalid',
    message: 'The workbook cannot be read: {reason}.',
    description:
      'The file is not a complete .xlsx workbook (truncated, encrypted or another format); `details.sheet`/`details.cell` locate cell-level problems.',
  },
  PARSE_CORRUPT_PDF: {
    kind: 'invalid',
    message: 'The PDF cannot be read: {reason}.',
    description: 'The file is damaged, truncated, password-protected or not a PDF.',
  },
  PARSE_CORRUPT_DOCX: {
    kind: 'invalid',
    message: 'The Word document cannot be read: {reason}.',
    description: 'The file is not a complete .docx document (legacy .doc files are not supported).',
  },
  COPYBOOK_INVALID: {
    kind: 'invalid',
    message: 'The copybook is not valid at line {line}: {reason}.',
    description:
      'Levels 01-49 with PIC X/A/9/S/V, USAGE DISPLAY, COMP, COMP-3, COMP-4, COMP-5, BINARY, OCCURS n and REDEFINES are understood; levels 66 and 88 are ignored.',
  },
  COPYBOOK_RECORD_MISMATCH: {
    kind: 'invalid',
    message: 'Record {record} is {actual} bytes long where the copybook describes {expected}.',
    description:
      'The data does not match the copybook: wrong copybook, wrong record format (fixed, newline-delimited) or a truncated file.',
  },
  COPYBOOK_BAD_FIELD_DATA: {
    kind: 'invalid',
    message: 'Record {record}, field {field}: {reason}.',
    description:
      'The bytes of a numeric field are not valid for its PIC and USAGE (for example a bad COMP-3 nibble); often a wrong copybook or encoding.',
  },
})
