import { type ColumnInfo, conformsTo, isIsoDate } from '../datasets/columns.js'
import type { JsonSchema, Validator } from '../schemas/compile.js'
import { createDistinctCounter, hash53, valueKey } from './distinct.js'

/**
 * A data-quality report over a table's rows, in one streaming pass with bounded memory.
 *
 * Per record, following the original system's formula, `score = (checks − issues) / checks`, where the checks are:
 * - `missing_required`: one per field the schema requires; an issue when the value is null or absent;
 * - `invalid_type`: one per non-null value; an issue when it is not of its column's type;
 * - `invalid_date_format`: one per non-null value of a `date` column or a schema property with `format: "date"`;
 *   an issue unless it is a real calendar date written `YYYY-MM-DD`;
 * - `schema`: one per record; an issue when the record does not validate against the schema.
 * The overall score is the mean of the record scores. Completeness, uniqueness and type conformity are reported
 * per column besides. Distinct counts are exact up to a per-column budget, then HyperLogLog estimates
 * (`approximate: true`); duplicate rows likewise, from hashes of whole rows.
 */
export type CheckName = 'missing_required' | 'invalid_type' | 'invalid_date_format' | 'schema'

export interface QualityIssue {
  check: CheckName
  /** The column, or null for the whole-record schema check. */
  column: string | null
  message: string
}

export interface RecordQuality {
  index: number
  score: number
  checks: number
  issues: QualityIssue[]
}

export interface QualityReport {
  rowCount: number
  columnCount: number
  score: { overall: number | null; checks: number; issues: number; byCheck: Record<CheckName, number> }
  completeness: { overall: number | null; columns: { name: string; nonNull: number; ratio: number | null }[] }
  validity: { validRecords: number; invalidRecords: number; ratio: number | null }
  uniqueness: {
    columns: { name: string; distinct: number; ratio: number | null; approximate: boolean }[]
    distinctRows: number
    duplicateRows: number
    approximate: boolean
  }
  typeConformity: {
    overall: number | null
    columns: { name: string; type: string; checked: number; conforming: number; ratio: number | null }[]
  }
  worstRecords: RecordQuality[]
}

export const worstRecordsListed = 10
const distinctBudget = 200_000
const exactRowLimit = 100_000
const minExactPerColumn = 1_000
const maxIssueMessages = 20

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole)

function schemaFacts(schema: JsonSchema): { required: string[]; dateFormatted: Set<string> } {
  const required: string[] = Array.isArray(schema.required)
    ? schema.required.filter((r): r is string => typeof r === 'string')
    : []
  const properties = (typeof schema.properties === 'object' && schema.properties) || {}
  const dateFormatted = new Set(
    Object.entries(properties as Record<string, unknown>)
      .filter(([, p]) => typeof p === 'object' && p !== null && (p as { format?: unknown }).format === 'date')
      .map(([name]) => name),
  )
  return { required, dateFormatted }
}

export function createQualityAssessment(
  columns: readonly ColumnInfo[],
  schema: JsonSchema,
  validate: Validator,
) {
  const { required, dateFormatted } = schemaFacts(schema)
  const exactPerColumn = Math.max(minExactPerColumn, Math.floor(distinctBudget / Math.max(1, columns.length)))
  const perColumn = columns.map((column) => ({
    column,
    dateChecked: column.type === 'date' || dateFormatted.has(column.name),
    nonNull: 0,
    checked: 0,
    conforming: 0,
    distinct: createDistinctCounter(exactPerColumn),
  }))
  const rowHashes = createDistinctCounter(exactRowLimit)
  const byCheck: Record<CheckName, number> = {
    missing_required: 0,
    invalid_type: 0,
    invalid_date_format: 0,
    schema: 0,
  }
  const worst: RecordQuality[] = []
  let rows = 0
  let scoreSum = 0
  let totalChecks = 0
  let totalIssues = 0
  let validRecords = 0

  function keepIfWorst(record: RecordQuality) {
    const last = worst.at(-1)
    if (worst.length >= worstRecordsListed && last && record.score >= last.score) return
    const at = worst.findIndex((w) => record.score < w.score)
    worst.splice(at === -1 ? worst.length : at, 0, record)
    if (worst.length > worstRecordsListed) worst.pop()
  }

  return {
    observe(row: Record<string, unknown>): void {
      const index = rows++
      let checks = 1
      const issues: QualityIssue[] = []
      let issueCount = 0
      const issue = (check: CheckName, column: string | null, message: string) => {
        byCheck[check]++
        issueCount++
        if (issues.length < maxIssueMessages) issues.push({ check, column, message })
      }
      for (const name of required) {
        checks++
        const value = row[name]
        if (value === null || value === undefined) issue('missing_required', name, `${name} is required`)
      }
      let rowKey = ''
      for (const c of perColumn) {
        const value = row[c.column.name]
        const key = value === null || value === undefined ? 'n' : valueKey(value)
        rowKey += `${key.length}:${key}`
        if (value === null || value === undefined) continue
        c.nonNull++
        c.distinct.add(hash53(key))
        checks++
        c.checked++
        if (conformsTo(value, c.column.type)) c.conforming++
        else issue('invalid_type', c.column.name, `${c.column.name} is not of type ${c.column.type}`)
        if (c.dateChecked) {
          checks++
          if (typeof value !== 'string' || !isIsoDate(value))
            issue('invalid_date_format', c.column.name, `${c.column.name} is not a YYYY-MM-DD date`)
        }
      }
      rowHashes.add(hash53(rowKey))
      if (validate(row)) validRecords++
      else {
        const first = validate.errors?.[0]
        issue(
          'schema',
          null,
          first ? `${first.instancePath || '/'} ${first.message ?? first.keyword}` : 'invalid',
        )
      }
      const score = (checks - issueCount) / checks
      scoreSum += score
      totalChecks += checks
      totalIssues += issueCount
      if (issueCount > 0) keepIfWorst({ index, score, checks, issues })
    },

    report(): QualityReport {
      const cells = rows * columns.length
      const nonNullCells = perColumn.reduce((sum, c) => sum + c.nonNull, 0)
      const checked = perColumn.reduce((sum, c) => sum + c.checked, 0)
      const conforming = perColumn.reduce((sum, c) => sum + c.conforming, 0)
      const distinctRows = rowHashes.count()
      return {
        rowCount: rows,
        columnCount: columns.length,
        score: { overall: ratio(scoreSum, rows), checks: totalChecks, issues: totalIssues, byCheck },
        completeness: {
          overall: ratio(nonNullCells, cells),
          columns: perColumn.map((c) => ({
            name: c.column.name,
            nonNull: c.nonNull,
            ratio: ratio(c.nonNull, rows),
          })),
        },
        validity: { validRecords, invalidRecords: rows - validRecords, ratio: ratio(validRecords, rows) },
        uniqueness: {
          columns: perColumn.map((c) => {
            const distinct = c.distinct.count()
            return {
              name: c.column.name,
              distinct,
              ratio: ratio(distinct, c.nonNull),
              approximate: c.distinct.approximate,
            }
          }),
          distinctRows,
          duplicateRows: Math.max(0, rows - distinctRows),
          approximate: rowHashes.approximate,
        },
        typeConformity: {
          overall: ratio(conforming, checked),
          columns: perColumn.map((c) => ({
            name: c.column.name,
            type: c.column.type,
            checked: c.checked,
            conforming: c.conforming,
            ratio: ratio(c.conforming, c.checked),
          })),
        },
        worstRecords: worst,
      }
    },
  }
}
