import type {
  ColumnInfo as StewardColumn,
  ColumnType as StewardType,
} from '../../../smart-city/data-steward/index.js'
import type { ColumnInfo as ParsedColumn, ColumnType as ParsedType } from './parsing/index.js'

const stewardTypeOf: Record<ParsedType, StewardType> = {
  string: 'string',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
  // The steward has no type for a column without values; its own column tracker calls those `string` too.
  empty: 'string',
}

/**
 * A parsed column as the Data Steward records it. Columns whose stored values are not all of one type become
 * `json` (the steward's type for mixed values): nested JSON values, and streamed columns widened to text part way
 * (their rows before `widenedAtRow` hold values of the earlier type).
 */
export function toDatasetColumn(column: ParsedColumn): StewardColumn {
  const mixed = column.nested === true || (column.widenedAtRow ?? 0) > 0
  return {
    name: column.name,
    type: mixed ? 'json' : stewardTypeOf[column.type],
    nullable: column.nullable || column.type === 'empty',
  }
}
