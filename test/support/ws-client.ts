import WebSocket from 'ws'

/** A WebSocket client for tests: collects frames, waits for a predicate, reports how it closed. */
export interface TestSocket {
  socket: WebSocket
  frames: Record<string, unknown>[]
  send(frame: Record<string, unknown>): void
  waitFor(
    predicate: (frame: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>
  closed: Promise<number>
}

export async function openSocket(
  baseUrl: string,
  token: string,
  options: WebSocket.ClientOptions = {},
): Promise<TestSocket> {
  const socket = new WebSocket(
    `${baseUrl.replace(/^http/, 'ws')}/ws`,
    ['symphainy', `bearer.${token}`],
    options,
  )
  const frames: Record<string, unknown>[] = []
  const waiters: {
    predicate: (f: Record<string, unknown>) => boolean
    resolve: (f: Record<string, unknown>) => void
  }[] = []
  socket.on('message', (data) => {
    const frame = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>
    frames.push(frame)
    for (const waiter of [...waiters]) {
      if (waiter.predicate(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(frame)
      }
    }
  })
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)))
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
  })
  const client: TestSocket = {
    socket,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    waitFor(predicate, timeoutMs = 5000) {
      const seen = frames.find(predicate)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`)),
          timeoutMs,
        )
        waiters.push({ predicate, resolve: (f) => (clearTimeout(timer), resolve(f)) })
      })
    },
    closed,
  }
  const outcome = await Promise.race([
    client.waitFor((f) => f['type'] === 'ready').then(() => 'ready' as const),
    closed.then((code) => code),
  ])
  if (outcome !== 'ready') throw new Error(`closed with ${outcome} before ready`)
  return client
}
