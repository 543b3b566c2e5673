import type { ColumnInfo } from '../datasets/columns.js'
import { type JsonSchema, formatChecker } from './compile.js'

/**
 * Infers a JSON Schema (2020-12) from a table's rows in one streaming pass with bounded memory:
 * - `type`: the JSON types seen (integer widened to number when both occur), plus `null` when a value is null or
 *   absent; a column with only nulls is `{type: 'null'}`;
 * - `required`: the columns never null nor absent;
 * - `format`: `date`, `date-time` or `email` when every non-null value is a string of that format;
 * - `enum`: for string columns without a format that hold at most `maxEnumValues` distinct values, each seen on
 *   average at least `minEnumRepeats` times (so a column of a few unique names is not frozen into an enum).
 */
export const maxEnumValues = 10
export const minEnumRepeats = 3

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array'
const formats = ['date', 'date-time', 'email'] as const

interface ColumnStats {
  types: Set<JsonType>
  nonNull: number
  strings: number
  formats: Set<(typeof formats)[number]>
  /** Distinct strings while there are at most `maxEnumValues`; undefined once there are more. */
  distinct: Set<string> | undefined
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value as 'boolean' | 'string' | 'object'
}

export function createSchemaInference(columns: readonly ColumnInfo[]) {
  const checks = Object.fromEntries(formats.map((f) => [f, formatChecker(f)])) as Record<
    (typeof formats)[number],
    (value: string) => boolean
  >
  const stats = new Map<string, ColumnStats>()
  let rows = 0
  const statsOf = (name: string): ColumnStats => {
    let s = stats.get(name)
    if (!s) {
      s = { types: new Set(), nonNull: 0, strings: 0, formats: new Set(formats), distinct: new Set() }
      if (rows > 0) s.types.add('null')
      stats.set(name, s)
    }
    return s
  }
  for (const column of columns) statsOf(column.name)

  return {
    observe(row: Record<string, unknown>): void {
      for (const [name, s] of stats) if (!(name in row)) s.types.add('null')
      for (const name in row) {
        const s = statsOf(name)
        const value = row[name]
        const type = jsonTypeOf(value)
        s.types.add(type)
        if (type === 'null') continue
        s.nonNull++
        if (type !== 'string') continue
        s.strings++
        const text = value as string
        for (const format of s.formats) if (!checks[format](text)) s.formats.delete(format)
        if (s.distinct) {
          s.distinct.add(text)
          if (s.distinct.size > maxEnumValues) s.distinct = undefined
        }
      }
      rows++
    },

    schema(): JsonSchema {
      const properties: Record<string, JsonSchema> = {}
      const required: string[] = []
      for (const [name, s] of stats) {
        const types = [...s.types]
        if (types.includes('integer') && types.includes('number')) types.splice(types.indexOf('integer'), 1)
        types.sort()
        if (types.length === 0) {
          properties[name] = {}
          continue
        }
        const property: JsonSchema = { type: types.length === 1 ? types[0] : types }
        const onlyStrings = s.nonNull > 0 && s.strings === s.nonNull
        const format = onlyStrings ? formats.find((f) => s.formats.has(f)) : undefined
        if (format) property.format = format
        else if (onlyStrings && s.distinct && s.nonNull >= minEnumRepeats * s.distinct.size) {
          const values: unknown[] = [...s.distinct].sort()
          if (s.types.has('null')) values.push(null)
          property.enum = values
        }
        properties[name] = property
        if (!s.types.has('null')) required.push(name)
      }
      return {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties,
        required,
      }
    },
  }
}
