import { type RawBuilder, sql } from 'kysely'
import type { SqlDialect } from './sql-database.js'

/**
 * Lists of rows written by one statement, on both dialects. On PostgreSQL a list is `unnest` over one array
 * parameter per column, so the statement's text is the same whatever the number of rows and a prepared statement
 * can be reused (`SqlDatabase.runPrepared`); SQLite has no arrays, so there it is a VALUES list.
 */
export type ColumnType = 'text' | 'bigint' | 'integer'
export type ColumnList<Row> = readonly (readonly [keyof Row & string, ColumnType])[]

function arrays<Row>(columns: ColumnList<Row>, rows: readonly Row[]) {
  return sql.join(columns.map(([name, type]) => sql`${rows.map((row) => row[name])}::${sql.raw(type)}[]`))
}

function values<Row>(columns: ColumnList<Row>, rows: readonly Row[]) {
  return sql.join(rows.map((row) => sql`(${sql.join(columns.map(([name]) => row[name]))})`))
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
    : sql`${sql.id(name)}(${names}) as (values ${values(columns, rows)})`
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
    : sql`insert into ${sql.table(table)} (${names}) values ${values(columns, rows)}`
}
