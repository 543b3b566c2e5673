import { type RawBuilder, sql } from 'kysely'
import type { SqlDialect } from './sql-database.js'

/**
 * Lists of rows written by one statement, on both dialects, with a text that does not change with the number of
 * rows, so the statement is prepared once and reused (`SqlDatabase.runPrepared`, and SQLite's statement cache):
 * on PostgreSQL `unnest` over one array parameter per column; on SQLite, which has no arrays, `json_each` over one
 * JSON parameter holding the rows as arrays (cheaper than a parameter per value, whose compiling costs more than
 * the rows' JSON).
 */
export type ColumnType = 'text' | 'bigint' | 'integer'
export type ColumnList<Row> = readonly (readonly [keyof Row & string, ColumnType])[]

function arrays<Row>(columns: ColumnList<Row>, rows: readonly Row[]) {
  return sql.join(
    columns.map(([name, type]) => sql`${postgresArray(rows.map((row) => row[name]))}::${sql.raw(type)}[]`),
  )
}

/**
 * The array parameter as PostgreSQL's array literal, made by one `JSON.stringify` when that is exact: a JSON string
 * whose only escapes are `\"` and `\\` is a double-quoted array element, and JSON's `null` is the literal's NULL.
 * pg would build the same literal element by element with two regular expressions each, which cost more than all
 * the rest of sending a row list. Anything else (control characters, other types) is left to pg.
 */
function postgresArray(values: unknown[]): unknown {
  for (const value of values) {
    if (value != null && typeof value !== 'string' && !Number.isSafeInteger(value)) return values
  }
  const json = JSON.stringify(values)
  return /\\[^"\\]/.test(json) ? values : `{${json.slice(1, -1)}}`
}

function fromJson<Row>(columns: ColumnList<Row>, rows: readonly Row[]) {
  const json = JSON.stringify(rows.map((row) => columns.map(([name]) => row[name] ?? null)))
  return sql`select ${sql.join(columns.map((_, i) => sql`value ->> ${sql.lit(i)}`))} from json_each(${json})`
}

/** `name(columns) as (…rows…)`, for a WITH clause. */
export function rowListCte<Row>(
  dialect: SqlDialect,
  name: string,
  columns: ColumnList<Row>,
  rows: readonly Row[],
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([column]) => sql.id(column)))
  return dialect === 'postgres'
    ? sql`${sql.id(name)}(${names}) as (select * from unnest(${arrays(columns, rows)}))`
    : sql`${sql.id(name)}(${names}) as (${fromJson(columns, rows)})`
}

/** `insert into table (columns) …rows…`; usable as a data-modifying CTE on PostgreSQL. */
export function insertRowList<Row>(
  dialect: SqlDialect,
  table: string,
  columns: ColumnList<Row>,
  rows: readonly Row[],
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([column]) => sql.id(column)))
  return dialect === 'postgres'
    ? sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays(columns, rows)})`
    : sql`insert into ${sql.table(table)} (${names}) ${fromJson(columns, rows)}`
}
