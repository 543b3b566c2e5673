import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import type { RawData, WebSocket } from 'ws'
import { isPlatformError } from '../kernel/errors.js'
import type { Principal } from '../kernel/principal.js'
import type { SecurityGuard } from '../smart-city/security-guard/index.js'
import type { RealtimeConnection, RealtimeHub } from '../smart-city/traffic-cop/realtime/hub.js'
import { gatewayErrors } from './errors.js'

/**
 * `GET /ws`, authenticated like HTTP but without putting a token in the URL: either at the upgrade with the
 * subprotocol pair `["symphainy", "bearer.<token>"]` (a bad token gets 401 and no socket), or by the first frame
 * `{op:"auth", token}` within SYMPHAINY_WS_AUTH_TIMEOUT_MS. A browser Origin must be the server's own host or an
 * allowed CORS origin. Frames are JSON objects of at most SYMPHAINY_WS_MAX_FRAME_BYTES.
 */
export const wsClose = { unauthorized: 4401, unsupportedData: 1003, tooBig: 1009 } as const

export interface WebSocketOptions {
  guard: SecurityGuard
  hub: RealtimeHub
  corsOrigins: string[]
  authTimeoutMs: number
  maxFrameBytes: number
  heartbeatMs: number
}

function bearerFromProtocols(header: string | string[] | undefined): string | undefined {
  const offered = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim())
  return offered.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length)
}

function originAllowed(request: IncomingMessage, corsOrigins: string[]): boolean {
  const origin = request.headers.origin
  if (origin === undefined) return true
  if (corsOrigins.includes('*') || corsOrigins.includes(origin)) return true
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}

function frameText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  return (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8')
}

function send(socket: WebSocket, frame: Record<string, unknown>): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
}

function sendError(socket: WebSocket, error: { code: string; message: string }): void {
  send(socket, { type: 'error', channel: null, data: { code: error.code, message: error.message } })
}

export async function installWebSocket(app: FastifyInstance, options: WebSocketOptions): Promise<void> {
  await app.register(websocket, {
    options: {
      maxPayload: options.maxFrameBytes,
      handleProtocols: (protocols) => (protocols.has('symphainy') ? 'symphainy' : false),
    },
  })
  app.get(
    '/ws',
    {
      websocket: true,
      config: { security: { public: true } },
      schema: { hide: true },
      preValidation: async (request) => {
        if (!originAllowed(request.raw, options.corsOrigins)) {
          throw gatewayErrors.ORIGIN_NOT_ALLOWED({ origin: request.headers.origin })
        }
        const token = bearerFromProtocols(request.headers['sec-websocket-protocol'])
        if (token !== undefined) request.principal = await options.guard.authenticateToken(token)
      },
    },
    (socket, request) => acceptConnection(socket, request.principal, options),
  )
  installHeartbeat(app, options.heartbeatMs)
}

/** Pings every socket each interval; one that did not answer the previous ping is dead and is terminated. */
function installHeartbeat(app: FastifyInstance, intervalMs: number): void {
  const alive = new WeakMap<WebSocket, boolean>()
  app.websocketServer.on('connection', (socket: WebSocket) => {
    alive.set(socket, true)
    socket.on('pong', () => alive.set(socket, true))
  })
  const timer = setInterval(() => {
    for (const socket of app.websocketServer.clients) {
      if (alive.get(socket) === false) {
        socket.terminate()
        continue
      }
      alive.set(socket, false)
      socket.ping()
    }
  }, intervalMs)
  timer.unref()
  app.addHook('onClose', (_app, done) => {
    clearInterval(timer)
    done()
  })
}

function acceptConnection(socket: WebSocket, initial: Principal | null, options: WebSocketOptions): void {
  let principal: Principal | null = null
  let connection: RealtimeConnection | undefined
  const timer = initial
    ? undefined
    : setTimeout(() => socket.close(wsClose.unauthorized, 'authentication required'), options.authTimeoutMs)
  socket.on('close', () => {
    clearTimeout(timer)
    if (connection) options.hub.detach(connection)
  })
  const authenticated = (who: Principal) => {
    connection = options.hub.attach(socket, who)
    if (!connection) return
    principal = who
    send(socket, { type: 'ready' })
  }
  if (initial) authenticated(initial)

  socket.on('message', (data, isBinary) => {
    if (isBinary) return socket.close(wsClose.unsupportedData, 'text frames only')
    let frame: unknown
    try {
      frame = JSON.parse(frameText(data))
    } catch {
      frame = undefined
    }
    if (typeof frame !== 'object' || frame === null || typeof (frame as { op?: unknown }).op !== 'string') {
      return sendError(socket, gatewayErrors.INVALID_FRAME())
    }
    const { op, token } = frame as { op: string; token?: unknown }
    if (op === 'auth') {
      if (principal) return sendError(socket, gatewayErrors.ALREADY_AUTHENTICATED())
      if (typeof token !== 'string') return socket.close(wsClose.unauthorized, 'token required')
      options.guard.authenticateToken(token).then(
        (who) => {
          clearTimeout(timer)
          authenticated(who)
        },
        (error: unknown) => {
          if (isPlatformError(error)) sendError(socket, error)
          socket.close(wsClose.unauthorized, 'authentication failed')
        },
      )
      return undefined
    }
    if (!principal || !connection) return socket.close(wsClose.unauthorized, 'authenticate first')
    if (op === 'ping') return send(socket, { type: 'pong' })
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      return sendError(socket, gatewayErrors.UNSUPPORTED_OP({ op: op.slice(0, 40) }))
    }
    options.hub
      .handle(connection, frame as { op: string; channel?: unknown; since?: unknown })
      .catch((error: unknown) =>
        isPlatformError(error) ? sendError(socket, error) : socket.close(1011, 'internal error'),
      )
    return undefined
  })
}
