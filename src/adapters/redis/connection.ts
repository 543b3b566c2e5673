import { Redis } from 'ioredis'
import { isPlatformError } from '../../kernel/errors.js'
import { storageErrors } from '../../ports/errors.js'

/**
 * One ioredis connection as the Redis adapters use it: `call` runs commands and turns connection trouble into
 * STORAGE_UNAVAILABLE (Redis error replies such as WRONGTYPE pass through unchanged); `close` quits once, after which
 * every call fails with STORAGE_UNAVAILABLE.
 */
export interface RedisConnection {
  readonly client: Redis
  call<T>(command: (client: Redis) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Server replies that mean "not now" rather than "wrong command": a loading, busy, read-only or headless server. */
const unavailableReply = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/

export function openRedisConnection(url: string, role: string): RedisConnection {
  const client = new Redis(url, {
    connectionName: `symphainy-${role}`,
    // Commands sent while (re)connecting wait in the offline queue, so the factories can stay synchronous, but only
    // through one failed reconnection attempt (maxRetriesPerRequest: 1): then ioredis fails them. With the capped
    // backoff below, a command against a down server fails within about two reconnect delays (100 ms to 4 s)
    // instead of queueing forever. Disabling the offline queue instead would fail commands sent during startup.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    connectTimeout: 2000,
    // A half-open socket (peer gone without a FIN) is detected by TCP keepalive and then fails its commands; a
    // per-command timer would cost a timer for every command on the hot path (rate-limit decisions).
    keepAlive: 5000,
  })
  // Failures reach callers through their rejected commands; without a listener ioredis prints every failed reconnect.
  client.on('error', () => undefined)
  let closed = false

  return {
    client,
    // Not async, and no closure per call: this wraps every command on the hot path (rate-limit decisions).
    call(command) {
      if (closed) return Promise.reject(storageErrors.STORAGE_UNAVAILABLE({ store: 'redis' }))
      try {
        return command(client).catch(rethrowAsStorageError)
      } catch (error) {
        return rejectAsStorageError(error)
      }
    },
    async close() {
      if (closed) return
      closed = true
      // QUIT lets pending replies arrive first; a connection that is not up has nothing to flush and would only wait.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
      else client.disconnect()
    },
  }
}

function rethrowAsStorageError(error: unknown): never {
  throw toStorageError(error)
}

// eslint-disable-next-line @typescript-eslint/require-await -- turns a synchronous throw into a rejected promise
async function rejectAsStorageError(error: unknown): Promise<never> {
  throw toStorageError(error)
}

export function toStorageError(error: unknown): unknown {
  if (isPlatformError(error) || !(error instanceof Error)) return error
  if (error.name === 'ReplyError' && !unavailableReply.test(error.message)) return error
  return storageErrors.STORAGE_UNAVAILABLE({ store: 'redis' }, error)
}
