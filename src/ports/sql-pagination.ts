import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import { type PageRequest, decodeCursor, pageSize, toPage } from '../kernel/pagination.js'

/**
 * One page of a single-table query in creation order, for tables with `created_at` (epoch ms) and `id` columns:
 * rows after the cursor's (created_at, id), `limit + 1` fetched so the page knows whether another follows.
 */
export async function pageByCreation<
  DB,
  TB extends keyof DB,
  Row extends { created_at: number; id: string },
  Item,
>(
  query: SelectQueryBuilder<DB, TB, Row>,
  page: PageRequest,
  view: (row: Row) => Item,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const limit = pageSize(page.limit)
  const after = decodeCursor(page.cursor)
  const filtered = after
    ? query.where(sql<SqlBool>`(created_at > ${after.at} or (created_at = ${after.at} and id > ${after.id}))`)
    : query
  const rows = (await filtered
    .orderBy(sql`created_at`)
    .orderBy(sql`id`)
    .limit(limit + 1)
    .execute()) as Row[]
  return toPage(rows, limit, (row) => ({ at: Number(row.created_at), id: row.id }), view)
}
