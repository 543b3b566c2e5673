import { createHash } from 'node:crypto'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * Real upstream HTTP servers on 127.0.0.1 for proxy tests. Each counts requests per first path segment (a test's
 * tag) and answers by path: `/<tag>/echo` streams the body back (recording its sha256), `/<tag>/headers` returns the headers it got,
 * `/<tag>/slow` answers after 3 s, `/<tag>/flaky` alternates 500 and 200, anything else `{"upstream": index}`.
 */
export interface Received {
  sha256: string
  bytes: number
}

export interface Upstream {
  index: number
  port: number
  url: string
  count(tag: string): number
  /** What `/<tag>/echo` last received. */
  received(tag: string): Received | undefined
  stop(): Promise<void>
  restart(): Promise<void>
}

function handle(index: number, counts: Map<string, number>, received: Map<string, Received>) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const [, tag = '', action = ''] = (request.url ?? '/').split('?')[0]!.split('/')
    const seen = (counts.get(tag) ?? 0) + 1
    counts.set(tag, seen)
    response.setHeader('x-upstream', String(index))
    if (action === 'echo') {
      const hash = createHash('sha256')
      let bytes = 0
      request.on('data', (chunk: Buffer) => {
        hash.update(chunk)
        bytes += chunk.length
      })
      request.on('end', () => {
        received.set(tag, { sha256: hash.digest('hex'), bytes })
        response.end()
      })
      response.writeHead(200, { 'content-type': 'application/octet-stream' })
      request.pipe(response, { end: false })
      return
    }
    request.resume()
    if (action === 'headers') {
      response.writeHead(200, { 'content-type': 'application/json', connection: 'x-hop', 'x-hop': 'secret' })
      response.end(JSON.stringify(request.headers))
    } else if (action === 'slow') {
      setTimeout(() => response.writeHead(200).end('late'), 3000).unref()
    } else if (action === 'flaky' && seen % 2 === 1) {
      response.writeHead(500).end('boom')
    } else {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ upstream: index, path: request.url }))
    }
  }
}

export async function startUpstream(index: number): Promise<Upstream> {
  const counts = new Map<string, number>()
  const received = new Map<string, Received>()
  const sockets = new Set<Socket>()
  let server: Server
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer(handle(index, counts, received))
      server.on('connection', (socket) => {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
    })
  const port = await listen(0)
  return {
    index,
    port,
    url: `http://127.0.0.1:${port}/`,
    count: (tag) => counts.get(tag) ?? 0,
    received: (tag) => received.get(tag),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
    restart: async () => {
      await listen(port)
    },
  }
}
