import type { LightMyRequestResponse } from 'fastify'
import type { Platform } from '../../src/platform.js'
import type { Account } from '../support/fixtures.js'

export interface DocumentBody {
  collection: string
  title: string
  body: string
  metadata?: Record<string, unknown>
  tags?: string[]
}

export interface Hit {
  id: string
  title: string
  collection: string
  tags: string[]
  metadata: Record<string, unknown>
  version: number
  score?: number
  highlights?: { title: string; body: string }
}

/** HTTP helpers for Librarian suites, through the node's gateway. */
export function librarianClient(node: () => Platform) {
  const call = (
    who: Account,
    method: string,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> =>
    node().gateway.inject({
      method: method as 'GET',
      url,
      headers: { ...who.auth, ...headers },
      ...(payload !== undefined && { payload: payload as object }),
    })
  return {
    call,
    async create(who: Account, body: DocumentBody): Promise<string> {
      const response = await call(who, 'POST', '/api/v1/documents', body)
      if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`)
      return response.json<{ id: string }>().id
    },
    async search(who: Account, query: string): Promise<{ items: Hit[]; nextCursor: string | null }> {
      const response = await call(who, 'GET', `/api/v1/documents?${query}`)
      if (response.statusCode !== 200) throw new Error(`search: ${response.statusCode} ${response.body}`)
      return response.json()
    },
  }
}
