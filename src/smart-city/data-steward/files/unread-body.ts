import type { IncomingMessage, ServerResponse } from 'node:http'

export const lingerBytes = 8 * 1024 * 1024
export const lingerMs = 2000

/**
 * After an upload is refused mid-body: reads and drops the rest, so the client (still sending) gets to read the
 * answer, but only up to `lingerBytes` or `lingerMs` after the answer went out; then the connection is cut. Closing
 * at once instead would reset the connection under the client's writes, and many clients would report the reset
 * rather than the 413 already sent.
 */
export function discardUnreadBody(request: IncomingMessage, response: ServerResponse): void {
  if (request.readableEnded) return
  let discarded = 0
  const cut = () => request.socket.destroy()
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length
    if (discarded > lingerBytes) cut()
  })
  request.resume()
  response.once('finish', () => {
    if (request.readableEnded) return
    const timer = setTimeout(cut, lingerMs)
    timer.unref()
    request.once('end', () => clearTimeout(timer))
    request.once('close', () => clearTimeout(timer))
  })
}
