import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { dataStewardErrors } from '../errors.js'

// ajv-formats is CommonJS whose module.exports is the plugin itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

export type JsonSchema = Record<string, unknown>
export type Validator = ValidateFunction

const referenceKeywords = new Set(['$ref', '$dynamicRef'])

/** The first `$ref`/`$dynamicRef` that leaves the schema itself (anything not starting with `#`). */
export function nonLocalReference(schema: unknown): string | undefined {
  const stack: unknown[] = [schema]
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== 'object' || node === null) continue
    for (const [key, value] of Object.entries(node)) {
      if (referenceKeywords.has(key) && typeof value === 'string' && !value.startsWith('#')) return value
      if (typeof value === 'object' && value !== null) stack.push(value)
    }
  }
  return undefined
}

/**
 * Compiles a user's JSON Schema (2020-12, with ajv-formats) in an Ajv instance of its own, so one tenant's `$id`s
 * never resolve in another's schema; remote references are refused before Ajv sees them. Not strict mode: unknown
 * keywords (`x-…`, vendor annotations) are allowed, but the schema must satisfy the 2020-12 meta-schema.
 */
export function compileSchema(schema: JsonSchema): Validator {
  const reference = nonLocalReference(schema)
  if (reference !== undefined) throw dataStewardErrors.SCHEMA_REMOTE_REF({ ref: reference })
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  addFormats(ajv)
  try {
    return ajv.compile(schema)
  } catch (error) {
    throw dataStewardErrors.SCHEMA_INVALID({ reason: error instanceof Error ? error.message : String(error) })
  }
}

/** Checks of single JSON Schema formats, shared so inference only claims formats validation will accept. */
export function formatChecker(format: 'date' | 'date-time' | 'email'): (value: string) => boolean {
  const validate = compileSchema({ type: 'string', format })
  return (value) => validate(value)
}

export interface RecordError {
  index: number
  /** JSON pointer into the record (Ajv's instancePath); empty for the record itself. */
  path: string
  message: string
  keyword: string
}

const pointerSegment = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1')

/** Ajv's errors for record `index`; a missing required property is pointed at itself, not at its parent. */
export function recordErrors(index: number, errors: ErrorObject[] | null | undefined): RecordError[] {
  return (errors ?? []).map((e) => ({
    index,
    path:
      e.keyword === 'required'
        ? `${e.instancePath}/${pointerSegment(String(e.params.missingProperty))}`
        : e.instancePath,
    message: e.message ?? e.keyword,
    keyword: e.keyword,
  }))
}
