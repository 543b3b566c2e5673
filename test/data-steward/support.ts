import type { LightMyRequestResponse } from 'fastify'
import type { Platform } from '../../src/platform.js'
import type { ColumnInfo, DatasetRecord, NewDataset } from '../../src/smart-city/data-steward/index.js'
import type { Account } from '../support/fixtures.js'
import { multipart } from './file-support.js'

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
    /** Uploads a small CSV file through the API; answers its id. */
    async uploadCsv(who: Account, content = 'a\n1\n'): Promise<string> {
      const upload = multipart([{ name: 'file', filename: 'data.csv', contentType: 'text/csv', content }])
      const response = await node().gateway.inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...who.auth, ...upload.headers },
        payload: upload.payload,
      })
      if (response.statusCode !== 201) throw new Error(`upload failed: ${response.body}`)
      return response.json<{ id: string }>().id
    },
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
