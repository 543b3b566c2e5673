import { defineErrors } from '../../kernel/error-catalogue.js'

export const dataStewardErrors = defineErrors('data-steward', {
  DATASET_NOT_FOUND: {
    kind: 'not_found',
    message: 'No dataset {id}.',
    description: 'The dataset does not exist in your tenant or was deleted.',
  },
  DATASET_NOT_TABLE: {
    kind: 'invalid',
    message: 'Dataset {id} is a text document, not a table.',
    description: 'Rows, schemas and quality reports exist for table datasets only.',
  },
  DATASET_ROW_INVALID: {
    kind: 'invalid',
    message: 'Row {index} is not a JSON object of column values: {reason}.',
    description:
      'A producer wrote a row that is not a plain object with JSON values; the dataset was not created.',
  },
  DATASET_WRITER_CLOSED: {
    kind: 'conflict',
    message: 'The dataset writer is already {state}.',
    description: 'A dataset writer accepts rows until it is finished or aborted, once.',
  },
  DATASET_NAME_INVALID: {
    kind: 'invalid',
    message: 'Dataset names are 1-200 characters without control characters.',
    description: 'Name datasets after what they hold, e.g. the file they were parsed from.',
  },
  SCHEMA_NOT_FOUND: {
    kind: 'not_found',
    message: 'No schema {name}{version}.',
    description: 'The schema (or that version of it) is not registered in your tenant.',
  },
  SCHEMA_INVALID: {
    kind: 'invalid',
    message: 'The JSON Schema does not compile: {reason}',
    description: "Ajv (JSON Schema 2020-12) refused the schema; the message is Ajv's.",
  },
  SCHEMA_REMOTE_REF: {
    kind: 'invalid',
    message: 'The schema refers to {ref}; only local references (starting with #) are allowed.',
    description:
      'Schemas are compiled without network or registry access; inline the referenced definitions.',
  },
  SCHEMA_VERSION_CONFLICT: {
    kind: 'conflict',
    message: 'Another version of schema {name} was registered at the same time.',
    description: 'Two registrations of one name raced; send the request again.',
    retryable: true,
  },
  TOO_MANY_RECORDS: {
    kind: 'too_large',
    message: 'At most {max} records can be validated in one request.',
    description: 'Split the records into several validate requests.',
  },
  LINEAGE_INPUT_INVALID: {
    kind: 'invalid',
    message: 'Lineage edge {artifactId} <- {sourceId} is not valid: {reason}.',
    description:
      'Artifact and source ids are 1-128 characters, different from each other; relations are lower_snake names.',
  },
  LINEAGE_SOURCE_NOT_FOUND: {
    kind: 'not_found',
    message: 'No artifact {id} to derive from.',
    description: 'A derived artifact names a source that does not exist in your tenant.',
  },
  ARTIFACT_NOT_FOUND: {
    kind: 'not_found',
    message: 'No artifact {id}.',
    description: 'Nothing with this id is known in your tenant, and no lineage names it.',
  },
})
