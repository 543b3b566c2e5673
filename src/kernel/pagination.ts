import { defineErrors } from './error-catalogue.js'

/**
 * Keyset pagination shared by every list route: `?limit=&cursor=` in, `{items, nextCursor}` out. The cursor is
 * opaque to clients (base64url of the last row's sort key), so it cannot be forged into another position than a
 * row the caller could already see.
 */
export const paginationErrors = defineErrors('pagination', {
  INVALID_CURSOR: {
    kind: 'invalid',
    message: 'The cursor is not one this list produced.',
    description: 'Pass back `nextCursor` exactly as received; start again without a cursor if unsure.',
  },
})

export const defaultPageSize = 50
export const maxPageSize = 200

export interface PageRequest {
  limit?: number
  cursor?: string
}

export interface CursorKey {
  at: number
  id: string
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return defaultPageSize
  return Math.min(Math.max(1, Math.trunc(limit)), maxPageSize)
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id])).toString('base64url')
}

export function decodeCursor(cursor: string | undefined): CursorKey | undefined {
  if (cursor === undefined || cursor === '') return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 64
    ) {
      return { at: value[0] as number, id: value[1] }
    }
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw paginationErrors.INVALID_CURSOR()
}

/** Fetch `limit + 1` rows ordered by (at, id); this turns them into a page. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => CursorKey,
  view: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return {
    items: items.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  }
}
