import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import { type PageRequest, decodeCursor, pageSize, toPage } from '../kernel/pagination.js'

/**
 * One page of a single-table query in creation order (oldest first, or newest first with `newestFirst`), for
 * tables with `created_at` (epoch ms) and `id` columns: rows past the cursor's (created_at, id), `limit + 1`
 * fetched so the page knows whether another follows.
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
  newestFirst = false,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const limit = pageSize(page.limit)
  const after = decodeCursor(page.cursor)
  const past = newestFirst ? sql.raw('<') : sql.raw('>')
  const direction = newestFirst ? sql.raw('desc') : sql.raw('asc')
  const filtered = after
    ? query.where(
        sql<SqlBool>`(created_at ${past} ${after.at} or (created_at = ${after.at} and id ${past} ${after.id}))`,
      )
    : query
  const rows = (await filtered
    .orderBy(sql`created_at ${direction}`)
    .orderBy(sql`id ${direction}`)
    .limit(limit + 1)
    .execute()) as Row[]
  return toPage(rows, limit, (row) => ({ at: Number(row.created_at), id: row.id }), view)
}
