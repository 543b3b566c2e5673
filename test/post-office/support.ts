import type { Platform } from '../../src/platform.js'
import type { Account } from '../support/fixtures.js'

export interface Leased {
  id: string
  type: string
  sender: string
  recipient: string
  correlationId: string | null
  payload: unknown
  attempts: number
  receipt: string
  leaseExpiresAt: string
}

/** HTTP helpers for Post Office suites, through the node's gateway. */
export function postOfficeClient(node: () => Platform) {
  const call = (who: Account, method: string, url: string, payload?: unknown) =>
    node().gateway.inject({
      method: method as 'GET',
      url,
      headers: who.auth,
      ...(payload !== undefined && { payload: payload as object }),
    })
  return {
    call,
    async send(who: Account, body: Record<string, unknown>): Promise<string> {
      const response = await call(who, 'POST', '/api/v1/messages', body)
      if (response.statusCode !== 202) throw new Error(`send: ${response.statusCode} ${response.body}`)
      return response.json<{ id: string }>().id
    },
    async receive(who: Account, mailbox: string, query = ''): Promise<Leased[]> {
      const response = await call(who, 'GET', `/api/v1/mailboxes/${mailbox}/messages${query}`)
      if (response.statusCode !== 200) throw new Error(`receive: ${response.statusCode} ${response.body}`)
      return response.json<{ items: Leased[] }>().items
    },
    ack: (who: Account, message: Leased) =>
      call(who, 'POST', `/api/v1/messages/${message.id}/ack`, { receipt: message.receipt }),
    nack: (who: Account, message: Leased, extra: Record<string, unknown> = {}) =>
      call(who, 'POST', `/api/v1/messages/${message.id}/nack`, { receipt: message.receipt, ...extra }),
    async deadLetters(who: Account, mailbox: string) {
      const response = await call(who, 'GET', `/api/v1/mailboxes/${mailbox}/dead-letters`)
      if (response.statusCode !== 200)
        throw new Error(`dead letters: ${response.statusCode} ${response.body}`)
      return response.json<{ items: (Leased & { lastError: string | null; deadAt: string })[] }>().items
    },
  }
}

let counter = 0
export function uniqueMailbox(label = 'box'): string {
  counter += 1
  return `${label}-${process.pid}-${counter}`
}
