import type { LightMyRequestResponse } from 'fastify'
import type { Platform } from '../../src/platform.js'
import type { ColumnInfo, DatasetRecord, NewDataset } from '../../src/smart-city/data-steward/index.js'
import type { Account } from '../support/fixtures.js'

/** HTTP and direct-API helpers for Data Steward suites, through one node. */
export function stewardClient(node: () => Platform) {
  const call = (
    who: Account,
    method: string,
    url: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    node().gateway.inject({
      method: method as 'GET',
      url,
      headers: who.auth,
      ...(payload !== undefined && { payload: payload as object }),
    })
  return {
    call,
    /** A table dataset written through the streaming writer, as a parser would. */
    async table(
      who: Account,
      rows: Record<string, unknown>[],
      options: Partial<NewDataset> & { columns?: ColumnInfo[] } = {},
    ): Promise<DatasetRecord> {
      const { columns, ...input } = options
      return node().services.dataSteward.datasets.createTable(
        { tenantId: who.tenantId, userId: who.userId },
        { name: 'table', derivedFrom: [], ...input },
        rows,
        columns && (() => columns),
      )
    },
  }
}
