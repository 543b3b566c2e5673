import type { ColumnType } from './types.js'

/** Value kinds, ordered so that a column's kind is a small integer; see the typing rule in types.ts. */
export const NULL = 0
export const INTEGER = 1
export const NUMBER = 2
export const BOOLEAN = 3
export const DATE = 4
export const DATETIME = 5
export const STRING = 6
export const NESTED = 7
export type Kind = number

const isoDateTime =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$/

/** The kind of one text cell under the conservative casting rule. */
export function classifyText(text: string): Kind {
  const length = text.length
  if (length === 0) return NULL
  const first = text.charCodeAt(0)
  if ((first >= 48 && first <= 57) || first === 45) {
    const numeric = classifyNumeric(text, length)
    if (numeric !== STRING) return numeric
    return length >= 10 && text.charCodeAt(4) === 45 ? classifyDate(text) : STRING
  }
  if (first === 116) return text === 'true' ? BOOLEAN : STRING
  if (first === 102) return text === 'false' ? BOOLEAN : STRING
  return STRING
}

function classifyNumeric(text: string, length: number): Kind {
  let i = text.charCodeAt(0) === 45 ? 1 : 0
  if (i === length) return STRING
  let digits = 0
  if (text.charCodeAt(i) === 48) {
    i++
  } else {
    while (i < length) {
      const c = text.charCodeAt(i)
      if (c < 48 || c > 57) break
      digits++
      i++
    }
    if (digits === 0) return STRING
  }
  if (i === length) {
    if (digits < 16) return INTEGER
    return Number.isSafeInteger(Number(text)) ? INTEGER : STRING
  }
  if (text.charCodeAt(i) !== 46) return STRING
  i++
  const fractionStart = i
  while (i < length) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return STRING
    i++
  }
  if (i === fractionStart || digits + (i - fractionStart) > 15) return STRING
  return NUMBER
}

/** `text` is at least 10 characters long; a date needs YYYY-MM-DD of a real calendar day at its start. */
function classifyDate(text: string): Kind {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return STRING
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  if (year < 0 || month < 1 || month > 12 || day < 1) return STRING
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  if (day > (month === 2 && leap ? 29 : (daysInMonth[month - 1] ?? 0))) return STRING
  if (text.length === 10) return DATE
  return isoDateTime.test(text) ? DATETIME : STRING
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The number written by `count` ASCII digits at `start`, or -1. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    value = value * 10 + c
  }
  return value
}

/** Returned by castAs when a text does not fit the kind. */
export const MISMATCH: unique symbol = Symbol('mismatch')

/** Whether a non-empty text cell fits a column of the given kind (an integer fits a number column, a date a datetime one). */
export function fitsKind(kind: Kind, text: string): boolean {
  if (kind === INTEGER) {
    const length = text.length
    if (length > 15) return classifyText(text) === INTEGER
    let i = text.charCodeAt(0) === 45 ? 1 : 0
    if (i === length || (text.charCodeAt(i) === 48 && length > i + 1)) return false
    for (; i < length; i++) {
      const c = text.charCodeAt(i)
      if (c < 48 || c > 57) return false
    }
    return true
  }
  if (kind === NUMBER) {
    const first = text.charCodeAt(0)
    if (!((first >= 48 && first <= 57) || first === 45)) return false
    return classifyNumeric(text, text.length) !== STRING
  }
  if (kind === BOOLEAN) return text === 'true' || text === 'false'
  if (kind === DATE) return text.length === 10 && classifyDate(text) === DATE
  if (kind === DATETIME) {
    const own = text.length >= 10 ? classifyDate(text) : STRING
    return own === DATE || own === DATETIME
  }
  return false
}

/**
 * The value of a non-empty text cell in a column of the given kind, or MISMATCH; the streaming fast path,
 * equal to `textValue(classifyText(text), text)` whenever the cell's own kind is `kind` (or an integer in a
 * number column, or a date in a datetime column).
 */
export function castAs(kind: Kind, text: string): unknown {
  if (!fitsKind(kind, text)) return MISMATCH
  if (kind === INTEGER || kind === NUMBER) return Number(text)
  return kind === BOOLEAN ? text === 'true' : text
}

/**
 * The JSON text of `textValue(kind, text)` for a cell that is of `kind` or fits it: numbers and booleans are
 * their own text once checked (such a number reads back as the same value, though `1.50` is not rewritten `1.5`),
 * dates need only quotes (their characters need no escapes), anything else is a JSON string.
 */
export function jsonTextOf(kind: Kind, text: string): string {
  if (kind === NULL) return 'null'
  if (kind === INTEGER || kind === NUMBER || kind === BOOLEAN) return text
  if (kind === DATE || kind === DATETIME) return `"${text}"`
  return JSON.stringify(text)
}

/** The value of a text cell of the given kind (as returned by classifyText for it). */
export function textValue(kind: Kind, text: string): unknown {
  if (kind === NULL) return null
  if (kind === INTEGER || kind === NUMBER) return Number(text)
  if (kind === BOOLEAN) return text === 'true'
  return text
}

/** The kind of a value that already has a type (JSON, XLSX); strings count as dates only in ISO form. */
export function classifyValue(value: unknown): Kind {
  if (value === null || value === undefined) return NULL
  if (typeof value === 'number') return Number.isInteger(value) ? INTEGER : NUMBER
  if (typeof value === 'boolean') return BOOLEAN
  if (typeof value === 'string') {
    const first = value.charCodeAt(0)
    return value.length >= 10 && first >= 48 && first <= 57 && value.charCodeAt(4) === 45
      ? classifyDate(value)
      : STRING
  }
  return NESTED
}

/** The kind of a column holding values of kinds `a` and `b`. */
export function unify(a: Kind, b: Kind): Kind {
  if (a === b || b === NULL) return a
  if (a === NULL) return b
  if (a === NESTED || b === NESTED) return NESTED
  if (a <= NUMBER && b <= NUMBER) return NUMBER
  if ((a === DATE || a === DATETIME) && (b === DATE || b === DATETIME)) return DATETIME
  return STRING
}

const columnTypes: readonly ColumnType[] = [
  'empty',
  'integer',
  'number',
  'boolean',
  'date',
  'datetime',
  'string',
]

export function columnType(kind: Kind): ColumnType {
  return columnTypes[kind] ?? 'string'
}

/** A value as it appears in a column of the given final kind: in string columns, non-null scalars as text. */
export function conform(kind: Kind, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (kind === STRING && (typeof value === 'number' || typeof value === 'boolean')) return String(value)
  return value
}
