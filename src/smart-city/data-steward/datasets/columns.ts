/** Column types of a table dataset; values are stored as JSON, dates as ISO strings. */
export const columnTypes = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'json'] as const
export type ColumnType = (typeof columnTypes)[number]

export interface ColumnInfo {
  name: string
  type: ColumnType
  nullable: boolean
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/
const dateTimePattern = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** A calendar date written `YYYY-MM-DD` that exists (no 2023-02-30). */
export function isIsoDate(value: string): boolean {
  const match = datePattern.exec(value)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

export function isIsoDateTime(value: string): boolean {
  return dateTimePattern.test(value) && isIsoDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value))
}

/** The narrowest column type of one non-null value. */
export function typeOfValue(value: unknown): ColumnType {
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (typeof value === 'string')
    return isIsoDate(value) ? 'date' : isIsoDateTime(value) ? 'datetime' : 'string'
  return 'json'
}

/** Whether a non-null value is one of a column's type (integers are numbers; any JSON is `json`). */
export function conformsTo(value: unknown, type: ColumnType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'date':
      return typeof value === 'string' && isIsoDate(value)
    case 'datetime':
      return typeof value === 'string' && isIsoDateTime(value)
    case 'json':
      return true
  }
}

function widen(a: ColumnType | undefined, b: ColumnType): ColumnType {
  if (a === undefined || a === b) return b
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number'
  return 'json'
}

/**
 * Learns columns from rows as they are written, for producers that do not declare them: names in order of first
 * appearance, the narrowest type holding every non-null value (mixed types become `json`), and nullability.
 */
export function createColumnTracker() {
  const order: string[] = []
  const types = new Map<string, ColumnType | undefined>()
  const nullable = new Set<string>()
  let rows = 0
  return {
    observe(row: Record<string, unknown>): void {
      for (const name of types.keys()) if (!(name in row)) nullable.add(name)
      for (const name in row) {
        const value = row[name]
        if (!types.has(name)) {
          order.push(name)
          types.set(name, undefined)
          if (rows > 0) nullable.add(name)
        }
        if (value === null || value === undefined) nullable.add(name)
        else types.set(name, widen(types.get(name), typeOfValue(value)))
      }
      rows++
    },
    columns(): ColumnInfo[] {
      return order.map((name) => ({
        name,
        type: types.get(name) ?? 'string',
        nullable: nullable.has(name),
      }))
    },
  }
}
