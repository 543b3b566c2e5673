import { type CompiledQuery, type RawBuilder, sql } from 'kysely'
import type { SqlDialect } from './sql-database.js'

/**
 * Lists of rows written by one statement, on both dialects, with a text that does not change with the number of
 * rows, so the statement is prepared once and reused (`SqlDatabase.runPrepared`, and SQLite's statement cache):
 * on PostgreSQL `unnest` over one array parameter per column; on SQLite, which has no arrays, `json_each` over one
 * JSON parameter holding the rows as arrays (cheaper than a parameter per value, whose compiling costs more than
 * the rows' JSON).
 *
 * A `document` column is text like any other, for long values (JSON documents): on PostgreSQL its values travel
 * as one binary parameter of their UTF-8 bytes, cut apart by offsets, so they are neither escaped into an array
 * literal by this process nor unescaped by the server.
 */
export type ColumnType = 'text' | 'document' | 'bigint' | 'integer'
export type ColumnList<Row> = readonly (readonly [keyof Row & string, ColumnType])[]

/**
 * Rows given when a statement template runs rather than when it is built: a statement built over sources (and
 * `valueSlot`s) is compiled once (`fillTemplate`) and then only filled with each run's values, so a hot statement
 * costs neither building nor compiling per run. A source's rows are read once per fill.
 */
export class RowSource<Input, Row> {
  constructor(readonly read: (input: Input) => readonly Row[]) {}
}

export type Rows<Row> = readonly Row[] | RowSource<never, Row>

type Memo = Map<RowSource<never, unknown>, readonly unknown[]>

/** `rows` each turned into a row by `rowOf`: now for rows, at each fill for a source. */
export function mapRows<Item, Row>(rows: Rows<Item>, rowOf: (item: Item) => Row): Rows<Row> {
  return rows instanceof RowSource
    ? new RowSource<never, Row>((input) => rows.read(input).map(rowOf))
    : rows.map(rowOf)
}

/** `rows` each turned into any number of rows by `rowsOf`: now for rows, at each fill for a source. */
export function flatMapRows<Item, Row>(rows: Rows<Item>, rowsOf: (item: Item) => readonly Row[]): Rows<Row> {
  return rows instanceof RowSource
    ? new RowSource<never, Row>((input) => rows.read(input).flatMap(rowsOf))
    : rows.flatMap(rowsOf)
}

/** A parameter of a template, read from the input it is filled with. */
class Slot {
  constructor(readonly read: (input: never, memo: Memo) => unknown) {}
}

/** A parameter whose value is read from the template's input when it is filled. */
export function valueSlot<Input>(read: (input: Input) => unknown): RawBuilder<unknown> {
  return sql`${new Slot(read)}`
}

/** The rows' values through `format`: now for rows, at each fill for a source. */
function deferred<Row>(rows: Rows<Row>, format: (rows: readonly Row[]) => unknown): unknown {
  if (!(rows instanceof RowSource)) return format(rows)
  return new Slot((input, memo) => {
    let read = memo.get(rows) as readonly Row[] | undefined
    if (read === undefined) memo.set(rows, (read = rows.read(input)))
    return format(read)
  })
}

/** The compiled template's text, and its parameters with each slot read from `input`. */
export function fillTemplate<Input>(
  template: CompiledQuery,
  input: Input,
): { sql: string; parameters: readonly unknown[] } {
  const memo: Memo = new Map()
  return {
    sql: template.sql,
    parameters: template.parameters.map((p) => (p instanceof Slot ? p.read(input as never, memo) : p)),
  }
}

/** A condition on a row list's rows, given each column's value in them (`insertRowList`). */
export type RowFilter<Row> = (
  column: (name: keyof Row & string) => RawBuilder<unknown>,
) => RawBuilder<unknown>

function whereOf<Row>(
  columns: ColumnList<Row>,
  values: readonly RawBuilder<unknown>[],
  filter: RowFilter<Row> | undefined,
) {
  if (!filter) return sql``
  return sql` where ${filter((name) => values[columns.findIndex(([column]) => column === name)]!)}`
}

/** `select … from unnest(…)`: the rows' columns, in order, from one array per column (two for a document). */
function unnestSelect<Row>(columns: ColumnList<Row>, rows: Rows<Row>, filter?: RowFilter<Row>) {
  const arrays: RawBuilder<unknown>[] = []
  const aliases: string[] = []
  const values = columns.map(([name, type], i) => {
    const alias = `c${i}`
    if (type !== 'document') {
      arrays.push(
        sql`${deferred(rows, (list) => postgresArray(list.map((row) => row[name])))}::${sql.raw(type)}[]`,
      )
      aliases.push(alias)
      return sql.ref(`r.${alias}`)
    }
    const parts = (list: readonly Row[]) => documentParts(list, name)
    arrays.push(sql`${deferred(rows, (list) => parts(list).starts)}::int[]`)
    arrays.push(sql`${deferred(rows, (list) => parts(list).lengths)}::int[]`)
    aliases.push(`${alias}_at`, alias)
    const bytes = sql`${deferred(rows, (list) => parts(list).bytes)}::bytea`
    const [at, length] = [sql.ref(`r.${alias}_at`), sql.ref(`r.${alias}`)]
    return sql`case when ${length} < 0 then null else convert_from(substring(${bytes} from ${at} for ${length}), 'UTF8') end`
  })
  return sql`select ${sql.join(values)} from unnest(${sql.join(arrays)}) as r(${sql.join(aliases.map((a) => sql.id(a)))})${whereOf(columns, values, filter)}`
}

interface DocumentParts {
  bytes: Buffer
  /** 1-based byte offsets into `bytes`; a null value has length -1. */
  starts: string
  lengths: string
}

const documentCache = new WeakMap<readonly unknown[], Map<string, DocumentParts>>()

/** A document column's values as one buffer and their places in it (made once per list and column). */
function documentParts<Row>(list: readonly Row[], name: keyof Row & string): DocumentParts {
  let byName = documentCache.get(list)
  if (!byName) documentCache.set(list, (byName = new Map<string, DocumentParts>()))
  let parts = byName.get(name)
  if (parts) return parts
  const texts: string[] = []
  const starts: number[] = []
  const lengths: number[] = []
  let at = 1
  for (const row of list) {
    const value = row[name]
    if (value == null) {
      starts.push(0)
      lengths.push(-1)
      continue
    }
    const text = String(value)
    const length = Buffer.byteLength(text)
    texts.push(text)
    starts.push(at)
    lengths.push(length)
    at += length
  }
  parts = {
    bytes: Buffer.from(texts.join('')),
    starts: `{${starts.join(',')}}`,
    lengths: `{${lengths.join(',')}}`,
  }
  byName.set(name, parts)
  return parts
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

function fromJson<Row>(columns: ColumnList<Row>, rows: Rows<Row>, filter?: RowFilter<Row>) {
  const json = deferred(rows, (list) =>
    JSON.stringify(list.map((row) => columns.map(([name]) => row[name] ?? null))),
  )
  const values = columns.map((_, i) => sql`value ->> ${sql.lit(i)}`)
  return sql`select ${sql.join(values)} from json_each(${json})${whereOf(columns, values, filter)}`
}

/** `name(columns) as (…rows…)`, for a WITH clause. */
export function rowListCte<Row>(
  dialect: SqlDialect,
  name: string,
  columns: ColumnList<Row>,
  rows: Rows<Row>,
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([column]) => sql.id(column)))
  return dialect === 'postgres'
    ? sql`${sql.id(name)}(${names}) as (${unnestSelect(columns, rows)})`
    : sql`${sql.id(name)}(${names}) as (${fromJson(columns, rows)})`
}

/** Where `insertRowList` writes: the table, its columns in the rows, and optionally which rows to keep. */
export interface RowListTarget<Row> {
  table: string
  columns: ColumnList<Row>
  where?: RowFilter<Row>
}

/** `insert into table (columns) …rows…` (those `where` keeps); usable as a data-modifying CTE on PostgreSQL. */
export function insertRowList<Row>(
  dialect: SqlDialect,
  { table, columns, where }: RowListTarget<Row>,
  rows: Rows<Row>,
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([column]) => sql.id(column)))
  return dialect === 'postgres'
    ? sql`insert into ${sql.table(table)} (${names}) ${unnestSelect(columns, rows, where)}`
    : sql`insert into ${sql.table(table)} (${names}) ${fromJson(columns, rows, where)}`
}
