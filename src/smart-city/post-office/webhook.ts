import { createHmac } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { type Resolver, vetWebhookTarget } from './outbound-address.js'

/**
 * One webhook attempt: POST the JSON body to the vetted address of the URL (Host header and TLS SNI keep the
 * original name), signed with `x-symphainy-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * and `x-symphainy-timestamp: <epoch seconds>`. Only a 2xx answer counts as delivered; redirects are not
 * followed (a 3xx is a failed attempt), and an attempt longer than `timeoutMs` fails.
 */
export interface WebhookRequest {
  url: string
  secret: string
  body: string
  headers: Record<string, string>
  timestampSeconds: number
}

export interface WebhookOptions {
  allowHosts: readonly string[]
  resolve: Resolver
  timeoutMs: number
}

export const signatureHeader = 'x-symphainy-signature'
export const timestampHeader = 'x-symphainy-timestamp'

export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`
}

export class WebhookFailure extends Error {}

export async function sendWebhook(webhook: WebhookRequest, options: WebhookOptions): Promise<number> {
  const target = await vetWebhookTarget(webhook.url, options.allowHosts, options.resolve)
  const secure = target.url.protocol === 'https:'
  const send = secure ? httpsRequest : httpRequest
  return new Promise<number>((resolve, reject) => {
    const request = send({
      host: target.address,
      family: target.family,
      port: target.port,
      path: `${target.url.pathname}${target.url.search}`,
      method: 'POST',
      ...(secure && { servername: target.host }),
      timeout: options.timeoutMs,
      headers: {
        ...webhook.headers,
        host: target.url.host,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(webhook.body)),
        'user-agent': 'symphainy-post-office',
        [timestampHeader]: String(webhook.timestampSeconds),
        [signatureHeader]: signWebhook(webhook.secret, webhook.timestampSeconds, webhook.body),
      },
    })
    const deadline = setTimeout(() => request.destroy(new WebhookFailure('timed out')), options.timeoutMs)
    request.on('timeout', () => request.destroy(new WebhookFailure('timed out')))
    request.on('error', (error) => {
      clearTimeout(deadline)
      reject(error instanceof WebhookFailure ? error : new WebhookFailure(error.message))
    })
    request.on('response', (response) => {
      response.resume()
      response.on('error', (error) => {
        clearTimeout(deadline)
        reject(new WebhookFailure(error.message))
      })
      response.on('end', () => {
        clearTimeout(deadline)
        const status = response.statusCode ?? 0
        if (status >= 200 && status < 300) resolve(status)
        else if (status >= 300 && status < 400)
          reject(new WebhookFailure(`answered ${status}; redirects are not followed`))
        else reject(new WebhookFailure(`answered ${status}`))
      })
    })
    request.end(webhook.body)
  })
}
