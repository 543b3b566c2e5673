import { readFileSync } from 'node:fs'
import { kernelErrors } from './kernel-errors.js'
import { logLevels } from './logger.js'
import { type NamedRateLimitPolicy, parseRateLimitPolicies } from './rate-limit-policy.js'
import { type TrustProxy, parseTrustProxy } from './trust-proxy.js'

/**
 * Configuration comes from the environment, optionally layered over a JSON file named by SYMPHAINY_CONFIG_FILE
 * (keys are the same variable names; the environment wins). Every variable is listed in `configVariables`, which
 * also feeds the README table. A bad value fails start-up with one message naming each problem and its fix.
 */
export type DatabaseDriver = 'sqlite' | 'postgres'
export type KeyValueDriver = 'memory' | 'redis'
export type FilesDriver = 'fs' | 'memory'
export type LogLevel = (typeof logLevels)[number]

export interface PlatformConfig {
  server: {
    host: string
    port: number
    bodyLimitBytes: number
    jsonMaxDepth: number
    requestTimeoutMs: number
    corsOrigins: string[]
    trustProxy: TrustProxy
    shutdownTimeoutMs: number
    wsAuthTimeoutMs: number
    wsMaxFrameBytes: number
  }
  storage: {
    databaseUrl: string
    databaseDriver: DatabaseDriver
    redisUrl: string | undefined
    keyValueDriver: KeyValueDriver
    filesUrl: string
    filesDriver: FilesDriver
    autoMigrate: boolean
    redisPrefix: string
  }
  security: {
    accessTokenTtlSeconds: number
    refreshTokenTtlSeconds: number
    sessionMaxSeconds: number
    jwtIssuer: string
    jwtAudience: string
    jwtPrivateKeyFile: string | undefined
    scryptLogN: number
    hashConcurrency: number
    hashQueueLimit: number
    loginMaxFailures: number
    loginIpMaxFailures: number
    loginLockSeconds: number
    signupEnabled: boolean
  }
  trafficCop: {
    sessionIdleSeconds: number
    sessionAbsoluteSeconds: number
    wsMaxConnectionsPerUser: number
    wsSendBufferBytes: number
    wsHeartbeatMs: number
    rateLimitPolicies: NamedRateLimitPolicy[]
    rateLimitOnStoreError: 'open' | 'closed'
    proxyTimeoutMs: number
    proxyAllowPrivateNetworks: boolean
    instanceTtlSeconds: number
    healthCheckIntervalMs: number
  }
  conductor: { sweepIntervalMs: number; workerConcurrency: number; leaseSeconds: number }
  /** Modules loaded at start-up; each registers what it brings (task handlers) through its plugin context. */
  plugins: string[]
  postOffice: {
    visibilitySeconds: number
    mailboxMaxAttempts: number
    maxWaitSeconds: number
    eventMaxAttempts: number
    retryBaseMs: number
    retryMaxMs: number
    webhookTimeoutMs: number
    webhookAllowHosts: string[]
    pollMs: number
    retentionDays: number
  }
  files: { maxUploadBytes: number }
  librarian: { maxBodyBytes: number }
  content: { parseThreads: number }
  logLevel: LogLevel
  nurse: { readyThresholdPercent: number }
}

export interface ConfigVariable {
  name: string
  default: string | undefined
  example: string
  description: string
}

export const configVariables: ConfigVariable[] = [
  {
    name: 'HOST',
    default: '127.0.0.1',
    example: '0.0.0.0',
    description: 'Interface the HTTP server listens on.',
  },
  {
    name: 'PORT',
    default: '8080',
    example: '3000',
    description: 'TCP port of the HTTP server (0 picks a free one).',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    example: 'debug',
    description: `One of ${logLevels.join(', ')}. Secrets, tokens and passwords are never logged.`,
  },
  {
    name: 'SYMPHAINY_DATABASE_URL',
    default: 'sqlite:./data/symphainy.db',
    example: 'postgres://app@db:5432/symphainy?schema=public',
    description: 'Durable store: `sqlite:<path>`, `sqlite::memory:` or `postgres://…` (optional `?schema=`).',
  },
  {
    name: 'SYMPHAINY_REDIS_URL',
    default: undefined,
    example: 'redis://127.0.0.1:6379/0',
    description:
      'Key-value and pub/sub. Unset means in process (single node); `redis://` or `rediss://` to scale out.',
  },
  {
    name: 'SYMPHAINY_FILES_URL',
    default: 'file:./data/files',
    example: 'file:/srv/symphainy/files',
    description: 'File store root: `file:<folder>` (shared folder when scaled out) or `memory:` (tests).',
  },
  {
    name: 'SYMPHAINY_REDIS_PREFIX',
    default: 'symphainy:',
    example: 'prod-eu:',
    description: 'Prefix of every Redis key and channel, so several platforms can share one Redis.',
  },
  {
    name: 'SYMPHAINY_AUTO_MIGRATE',
    default: 'true',
    example: 'false',
    description:
      'Apply pending migrations at start-up (safe with many nodes); `symphainy migrate` does it by hand.',
  },
  {
    name: 'SYMPHAINY_BODY_LIMIT_BYTES',
    default: '1048576',
    example: '262144',
    description: 'Largest accepted request body (JSON); larger bodies get 413 BODY_TOO_LARGE.',
  },
  {
    name: 'SYMPHAINY_MAX_UPLOAD_BYTES',
    default: '104857600',
    example: '1073741824',
    description:
      'Largest uploaded file (`POST /api/v1/files`); the upload is refused with 413 FILE_TOO_LARGE as soon as it passes this.',
  },
  {
    name: 'SYMPHAINY_JSON_MAX_DEPTH',
    default: '32',
    example: '16',
    description: 'Deepest accepted JSON nesting; deeper bodies get 400 JSON_TOO_DEEP.',
  },
  {
    name: 'SYMPHAINY_REQUEST_TIMEOUT_MS',
    default: '30000',
    example: '10000',
    description: 'A request not answered in time gets 503 REQUEST_TIMEOUT.',
  },
  {
    name: 'SYMPHAINY_CORS_ORIGINS',
    default: '',
    example: 'https://console.example.com,https://admin.example.com',
    description: 'Comma-separated origins allowed by CORS; empty disables CORS; `*` allows any origin.',
  },
  {
    name: 'SYMPHAINY_TRUST_PROXY',
    default: '',
    example: '10.0.0.0/8,loopback',
    description:
      'Reverse proxies in front of the nodes whose `X-Forwarded-For`/`X-Forwarded-Proto` are believed: their addresses or CIDR ranges (`loopback`, `linklocal`, `uniquelocal` name those ranges); empty believes none.',
  },
  {
    name: 'SYMPHAINY_READY_THRESHOLD',
    default: '80',
    example: '100',
    description: 'Percentage of healthy services below which /ready answers 503.',
  },
  {
    name: 'SYMPHAINY_WS_AUTH_TIMEOUT_MS',
    default: '5000',
    example: '2000',
    description: 'A WebSocket that has not authenticated within this time is closed with 4401.',
  },
  {
    name: 'SYMPHAINY_WS_MAX_FRAME_BYTES',
    default: '65536',
    example: '16384',
    description: 'Largest accepted WebSocket frame; a larger one closes the socket with 1009.',
  },
  {
    name: 'SYMPHAINY_SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    example: '30000',
    description: 'Longest graceful drain on SIGTERM/SIGINT before the process exits anyway.',
  },
  {
    name: 'SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS',
    default: '900',
    example: '300',
    description: 'Lifetime of access tokens (JWT).',
  },
  {
    name: 'SYMPHAINY_REFRESH_TOKEN_TTL_SECONDS',
    default: '1209600',
    example: '86400',
    description: 'Lifetime of each refresh token; every use rotates it.',
  },
  {
    name: 'SYMPHAINY_SESSION_MAX_SECONDS',
    default: '2592000',
    example: '604800',
    description:
      'Absolute lifetime of a login session (a refresh-token family), however often it is refreshed.',
  },
  {
    name: 'SYMPHAINY_JWT_ISSUER',
    default: 'symphainy',
    example: 'https://api.example.com',
    description: 'The `iss` of access tokens.',
  },
  {
    name: 'SYMPHAINY_JWT_AUDIENCE',
    default: 'symphainy-api',
    example: 'example-api',
    description: 'The `aud` of access tokens.',
  },
  {
    name: 'SYMPHAINY_JWT_PRIVATE_KEY_FILE',
    default: undefined,
    example: '/run/secrets/jwt-ed25519.pem',
    description:
      'PKCS#8 PEM Ed25519 or P-256 key signing access tokens. Unset: one is generated on first start and kept in the database.',
  },
  {
    name: 'SYMPHAINY_SCRYPT_LOG_N',
    default: '17',
    example: '15',
    description:
      'scrypt cost for new password hashes as log2(N) (r=8, p=1); 17 is the OWASP minimum. Stored with each hash.',
  },
  {
    name: 'SYMPHAINY_HASH_CONCURRENCY',
    default: '2',
    example: '4',
    description: 'Password hashes computed at once; more wait in a queue.',
  },
  {
    name: 'SYMPHAINY_HASH_QUEUE_LIMIT',
    default: '64',
    example: '256',
    description:
      'Password checks that may wait; beyond it logins get 503 AUTH_BUSY instead of stalling the process.',
  },
  {
    name: 'SYMPHAINY_LOGIN_MAX_FAILURES',
    default: '5',
    example: '10',
    description: 'Failed logins per account within the lock window before the account locks.',
  },
  {
    name: 'SYMPHAINY_LOGIN_IP_MAX_FAILURES',
    default: '50',
    example: '100',
    description: 'Failed logins per client IP within the lock window before that IP is locked out.',
  },
  {
    name: 'SYMPHAINY_LOGIN_LOCK_SECONDS',
    default: '900',
    example: '300',
    description: 'Length of the failure-counting window and of a lock.',
  },
  {
    name: 'SYMPHAINY_SIGNUP_ENABLED',
    default: 'true',
    example: 'false',
    description: 'Whether `POST /api/v1/auth/signup` may create new tenants.',
  },
  {
    name: 'SYMPHAINY_SESSION_IDLE_SECONDS',
    default: '1800',
    example: '600',
    description: 'A Traffic Cop session unused for this long expires.',
  },
  {
    name: 'SYMPHAINY_SESSION_ABSOLUTE_SECONDS',
    default: '86400',
    example: '28800',
    description: 'A Traffic Cop session expires this long after creation, however active.',
  },
  {
    name: 'SYMPHAINY_WS_MAX_CONNECTIONS_PER_USER',
    default: '10',
    example: '5',
    description: 'Open WebSockets one user may hold on one node; more are refused with close code 4429.',
  },
  {
    name: 'SYMPHAINY_WS_SEND_BUFFER_BYTES',
    default: '1048576',
    example: '262144',
    description: 'Unsent bytes a WebSocket may queue; a reader slower than that is disconnected at once.',
  },
  {
    name: 'SYMPHAINY_WS_HEARTBEAT_MS',
    default: '30000',
    example: '10000',
    description: 'Interval of WebSocket pings; a peer that misses one is closed.',
  },
  {
    name: 'SYMPHAINY_PLUGINS',
    default: '',
    example: './plugins/ledger.mjs,/opt/packs/insurance.mjs',
    description:
      'Comma-separated module paths (relative to the working folder) loaded at start; each exports `register(context)`.',
  },
  {
    name: 'SYMPHAINY_CONDUCTOR_SWEEP_MS',
    default: '250',
    example: '1000',
    description:
      'How often each node fires due workflow timers (waits, retries, timeouts, finished sub-workflows).',
  },
  {
    name: 'SYMPHAINY_CONDUCTOR_WORKER_CONCURRENCY',
    default: '16',
    example: '64',
    description: 'In-process task handlers running at once on one node.',
  },
  {
    name: 'SYMPHAINY_CONDUCTOR_LEASE_SECONDS',
    default: '60',
    example: '30',
    description:
      'Lease of a task run by an in-process handler; if its node dies, another node retakes it after this.',
  },
  {
    name: 'SYMPHAINY_PROXY_TIMEOUT_MS',
    default: '30000',
    example: '10000',
    description:
      'Longest wait for an upstream instance to connect and answer a proxied request (503 UPSTREAM_TIMEOUT).',
  },
  {
    name: 'SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS',
    default: 'false',
    example: 'true',
    description:
      'Allow instance URLs that resolve to loopback, private, link-local or metadata addresses (SSRF guard).',
  },
  {
    name: 'SYMPHAINY_INSTANCE_TTL_SECONDS',
    default: '30',
    example: '60',
    description: 'An external service instance without a heartbeat for this long is no longer used.',
  },
  {
    name: 'SYMPHAINY_HEALTH_CHECK_INTERVAL_MS',
    default: '5000',
    example: '10000',
    description: 'Interval of active health checks of external instances that have a health URL.',
  },
  {
    name: 'SYMPHAINY_RATE_LIMIT_POLICIES',
    default: '[]',
    example: '[{"name":"api","scope":"user","limit":600,"windowSeconds":60,"routes":["/api/v1/*"]}]',
    description:
      'Platform-wide rate-limit policies (JSON array of {name, scope, limit, windowSeconds, routes}) for every tenant; `ip` ones also limit unauthenticated requests.',
  },
  {
    name: 'SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR',
    default: 'open',
    example: 'closed',
    description:
      'When the key-value store is down: `open` admits limited requests, `closed` answers 503. Login, sign-up and refresh always fail closed.',
  },
  {
    name: 'SYMPHAINY_MAILBOX_VISIBILITY_SECONDS',
    default: '30',
    example: '120',
    description:
      'How long a received message stays leased (invisible to other consumers) unless acked; a receive may ask for 1 s to 12 h.',
  },
  {
    name: 'SYMPHAINY_MAILBOX_MAX_ATTEMPTS',
    default: '5',
    example: '10',
    description: 'Deliveries of a mailbox message without an ack before it moves to the dead letters.',
  },
  {
    name: 'SYMPHAINY_MAILBOX_MAX_WAIT_SECONDS',
    default: '20',
    example: '10',
    description:
      'Longest long-poll `wait` of a mailbox receive; larger requests are cut to it. Keep it below the request timeout.',
  },
  {
    name: 'SYMPHAINY_EVENT_MAX_ATTEMPTS',
    default: '8',
    example: '12',
    description: 'Attempts to deliver an event to one subscription before the delivery is recorded as dead.',
  },
  {
    name: 'SYMPHAINY_EVENT_RETRY_BASE_MS',
    default: '1000',
    example: '5000',
    description:
      'First retry delay of a failed event delivery; it doubles per attempt (with jitter) up to the maximum.',
  },
  {
    name: 'SYMPHAINY_EVENT_RETRY_MAX_MS',
    default: '300000',
    example: '3600000',
    description: 'Longest delay between two attempts of one event delivery.',
  },
  {
    name: 'SYMPHAINY_WEBHOOK_TIMEOUT_MS',
    default: '10000',
    example: '5000',
    description:
      'Longest wait for a webhook receiver to connect and answer; longer counts as a failed attempt.',
  },
  {
    name: 'SYMPHAINY_WEBHOOK_ALLOW_HOSTS',
    default: '',
    example: '127.0.0.1:9000,hooks.internal:8443',
    description:
      'Comma-separated exact `host:port` webhook targets exempt from the private-address (SSRF) guard: a testing / on-premises escape hatch.',
  },
  {
    name: 'SYMPHAINY_POST_OFFICE_POLL_MS',
    default: '1000',
    example: '250',
    description:
      'How often each node re-checks the event outbox and waiting long polls, besides the pub/sub wake-up hints.',
  },
  {
    name: 'SYMPHAINY_POST_OFFICE_RETENTION_DAYS',
    default: '7',
    example: '30',
    description:
      'Days the outbox keeps successful deliveries and routed events without deliveries before a sweep deletes them; pending and dead deliveries are kept; 0 keeps everything.',
  },
  {
    name: 'SYMPHAINY_LIBRARIAN_MAX_BODY_BYTES',
    default: '262144',
    example: '1048576',
    description:
      'Largest document body the Librarian stores (UTF-8 bytes); larger bodies get 413 DOCUMENT_BODY_TOO_LARGE.',
  },
  {
    name: 'SYMPHAINY_PARSE_THREADS',
    default: '2',
    example: '8',
    description:
      "Worker threads parsing large CSV/TSV files (4 MiB or more) in parts, shared by all parses; 0 parses every file on the request's thread.",
  },
  {
    name: 'SYMPHAINY_CONFIG_FILE',
    default: undefined,
    example: './symphainy.json',
    description: 'Optional JSON file with any of these variables as keys; the environment overrides it.',
  },
]

type Source = Record<string, string | undefined>

interface Problem {
  variable: string
  value: string | undefined
  fix: string
}

export interface LoadConfigOptions {
  env?: Source
}

export function loadConfig(options: LoadConfigOptions = {}): PlatformConfig {
  const env = options.env ?? process.env
  const problems: Problem[] = []
  const source = { ...readConfigFile(env['SYMPHAINY_CONFIG_FILE'], problems), ...definedOnly(env) }
  const read = (name: string): string | undefined => {
    const value = source[name]
    if (value !== undefined && value.trim() !== '') return value.trim()
    return configVariables.find((v) => v.name === name)?.default
  }
  const integer = (name: string, min: number, max: number): number => {
    const raw = read(name) ?? ''
    const value = Number(raw)
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      problems.push({ variable: name, value: raw, fix: `use a whole number from ${min} to ${max}` })
      return min
    }
    return value
  }

  const databaseUrl = read('SYMPHAINY_DATABASE_URL') ?? ''
  const redisUrl = read('SYMPHAINY_REDIS_URL')
  const filesUrl = read('SYMPHAINY_FILES_URL') ?? ''
  const logLevel = read('LOG_LEVEL') ?? ''
  const autoMigrate = read('SYMPHAINY_AUTO_MIGRATE') ?? ''

  const config: PlatformConfig = {
    server: {
      host: read('HOST') ?? '',
      port: integer('PORT', 0, 65535),
      bodyLimitBytes: integer('SYMPHAINY_BODY_LIMIT_BYTES', 1024, 1024 * 1024 * 1024),
      jsonMaxDepth: integer('SYMPHAINY_JSON_MAX_DEPTH', 2, 1000),
      requestTimeoutMs: integer('SYMPHAINY_REQUEST_TIMEOUT_MS', 100, 3_600_000),
      corsOrigins: parseOrigins(read('SYMPHAINY_CORS_ORIGINS') ?? '', problems),
      trustProxy: trustProxyOf(read('SYMPHAINY_TRUST_PROXY') ?? '', problems),
      shutdownTimeoutMs: integer('SYMPHAINY_SHUTDOWN_TIMEOUT_MS', 100, 600_000),
      wsAuthTimeoutMs: integer('SYMPHAINY_WS_AUTH_TIMEOUT_MS', 100, 600_000),
      wsMaxFrameBytes: integer('SYMPHAINY_WS_MAX_FRAME_BYTES', 1024, 16 * 1024 * 1024),
    },
    storage: {
      databaseUrl,
      databaseDriver: databaseDriverOf(databaseUrl, problems),
      redisUrl,
      keyValueDriver: keyValueDriverOf(redisUrl, problems),
      filesUrl,
      filesDriver: filesDriverOf(filesUrl, problems),
      autoMigrate: parseBoolean('SYMPHAINY_AUTO_MIGRATE', autoMigrate, problems),
      redisPrefix: read('SYMPHAINY_REDIS_PREFIX') ?? '',
    },
    security: {
      accessTokenTtlSeconds: integer('SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS', 30, 86_400),
      refreshTokenTtlSeconds: integer('SYMPHAINY_REFRESH_TOKEN_TTL_SECONDS', 60, 31_536_000),
      sessionMaxSeconds: integer('SYMPHAINY_SESSION_MAX_SECONDS', 60, 31_536_000),
      jwtIssuer: read('SYMPHAINY_JWT_ISSUER') ?? '',
      jwtAudience: read('SYMPHAINY_JWT_AUDIENCE') ?? '',
      jwtPrivateKeyFile: read('SYMPHAINY_JWT_PRIVATE_KEY_FILE'),
      scryptLogN: integer('SYMPHAINY_SCRYPT_LOG_N', 10, 20),
      hashConcurrency: integer('SYMPHAINY_HASH_CONCURRENCY', 1, 64),
      hashQueueLimit: integer('SYMPHAINY_HASH_QUEUE_LIMIT', 0, 100_000),
      loginMaxFailures: integer('SYMPHAINY_LOGIN_MAX_FAILURES', 1, 1000),
      loginIpMaxFailures: integer('SYMPHAINY_LOGIN_IP_MAX_FAILURES', 1, 100_000),
      loginLockSeconds: integer('SYMPHAINY_LOGIN_LOCK_SECONDS', 1, 86_400),
      signupEnabled: parseBoolean(
        'SYMPHAINY_SIGNUP_ENABLED',
        read('SYMPHAINY_SIGNUP_ENABLED') ?? '',
        problems,
      ),
    },
    trafficCop: {
      sessionIdleSeconds: integer('SYMPHAINY_SESSION_IDLE_SECONDS', 10, 31_536_000),
      sessionAbsoluteSeconds: integer('SYMPHAINY_SESSION_ABSOLUTE_SECONDS', 10, 31_536_000),
      wsMaxConnectionsPerUser: integer('SYMPHAINY_WS_MAX_CONNECTIONS_PER_USER', 1, 1_000_000),
      wsSendBufferBytes: integer('SYMPHAINY_WS_SEND_BUFFER_BYTES', 4096, 1024 * 1024 * 1024),
      wsHeartbeatMs: integer('SYMPHAINY_WS_HEARTBEAT_MS', 100, 3_600_000),
      rateLimitPolicies: rateLimitPoliciesOf(read('SYMPHAINY_RATE_LIMIT_POLICIES') ?? '[]', problems),
      rateLimitOnStoreError: onStoreErrorOf(read('SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR') ?? '', problems),
      proxyTimeoutMs: integer('SYMPHAINY_PROXY_TIMEOUT_MS', 100, 3_600_000),
      proxyAllowPrivateNetworks: parseBoolean(
        'SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS',
        read('SYMPHAINY_PROXY_ALLOW_PRIVATE_NETWORKS') ?? '',
        problems,
      ),
      instanceTtlSeconds: integer('SYMPHAINY_INSTANCE_TTL_SECONDS', 1, 86_400),
      healthCheckIntervalMs: integer('SYMPHAINY_HEALTH_CHECK_INTERVAL_MS', 100, 3_600_000),
    },
    conductor: {
      sweepIntervalMs: integer('SYMPHAINY_CONDUCTOR_SWEEP_MS', 10, 60_000),
      workerConcurrency: integer('SYMPHAINY_CONDUCTOR_WORKER_CONCURRENCY', 1, 1024),
      leaseSeconds: integer('SYMPHAINY_CONDUCTOR_LEASE_SECONDS', 1, 86_400),
    },
    plugins: (read('SYMPHAINY_PLUGINS') ?? '')
      .split(',')
      .map((path) => path.trim())
      .filter((path) => path !== ''),
    postOffice: {
      visibilitySeconds: integer('SYMPHAINY_MAILBOX_VISIBILITY_SECONDS', 1, 43_200),
      mailboxMaxAttempts: integer('SYMPHAINY_MAILBOX_MAX_ATTEMPTS', 1, 1000),
      maxWaitSeconds: integer('SYMPHAINY_MAILBOX_MAX_WAIT_SECONDS', 0, 300),
      eventMaxAttempts: integer('SYMPHAINY_EVENT_MAX_ATTEMPTS', 1, 1000),
      retryBaseMs: integer('SYMPHAINY_EVENT_RETRY_BASE_MS', 1, 3_600_000),
      retryMaxMs: integer('SYMPHAINY_EVENT_RETRY_MAX_MS', 1, 86_400_000),
      webhookTimeoutMs: integer('SYMPHAINY_WEBHOOK_TIMEOUT_MS', 100, 600_000),
      webhookAllowHosts: parseHostPorts(read('SYMPHAINY_WEBHOOK_ALLOW_HOSTS') ?? '', problems),
      pollMs: integer('SYMPHAINY_POST_OFFICE_POLL_MS', 10, 3_600_000),
      retentionDays: integer('SYMPHAINY_POST_OFFICE_RETENTION_DAYS', 0, 36_500),
    },
    files: { maxUploadBytes: integer('SYMPHAINY_MAX_UPLOAD_BYTES', 1024, 1024 ** 4) },
    librarian: { maxBodyBytes: integer('SYMPHAINY_LIBRARIAN_MAX_BODY_BYTES', 1024, 64 * 1024 * 1024) },
    content: { parseThreads: integer('SYMPHAINY_PARSE_THREADS', 0, 64) },
    logLevel: (logLevels as readonly string[]).includes(logLevel) ? (logLevel as LogLevel) : 'info',
    nurse: { readyThresholdPercent: integer('SYMPHAINY_READY_THRESHOLD', 0, 100) },
  }
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    problems.push({ variable: 'LOG_LEVEL', value: logLevel, fix: `use one of ${logLevels.join(', ')}` })
  }
  if (config.server.host === '')
    problems.push({ variable: 'HOST', value: '', fix: 'give a host name or address' })

  if (problems.length > 0) {
    const summary = problems.map((p) => `${p.variable}=${JSON.stringify(p.value ?? '')}: ${p.fix}`).join('; ')
    throw kernelErrors.CONFIG_INVALID({ summary, problems })
  }
  return config
}

function definedOnly(env: Source): Source {
  const out: Source = {}
  for (const variable of configVariables) {
    const value = env[variable.name]
    if (value !== undefined) out[variable.name] = value
  }
  return out
}

function readConfigFile(path: string | undefined, problems: Problem[]): Source {
  if (path === undefined || path.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    problems.push({
      variable: 'SYMPHAINY_CONFIG_FILE',
      value: path,
      fix: `make it a readable JSON file (${reason})`,
    })
    return {}
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push({
      variable: 'SYMPHAINY_CONFIG_FILE',
      value: path,
      fix: 'the file must hold one JSON object',
    })
    return {}
  }
  const out: Source = {}
  for (const [key, value] of Object.entries(parsed)) {
    if (!configVariables.some((v) => v.name === key) || key === 'SYMPHAINY_CONFIG_FILE') {
      problems.push({
        variable: key,
        value: String(value),
        fix: `unknown key in ${path}; see the README table`,
      })
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out[key] = String(value)
    } else {
      problems.push({ variable: key, value: JSON.stringify(value), fix: 'use a string, number or boolean' })
    }
  }
  return out
}

function databaseDriverOf(url: string, problems: Problem[]): DatabaseDriver {
  if (/^sqlite:.+/.test(url)) return 'sqlite'
  if (/^postgres(ql)?:\/\/.+/.test(url)) return 'postgres'
  problems.push({
    variable: 'SYMPHAINY_DATABASE_URL',
    value: url,
    fix: 'use sqlite:./data/symphainy.db, sqlite::memory: or postgres://user@host:5432/db',
  })
  return 'sqlite'
}

function keyValueDriverOf(url: string | undefined, problems: Problem[]): KeyValueDriver {
  if (url === undefined) return 'memory'
  if (/^rediss?:\/\/.+/.test(url)) return 'redis'
  problems.push({
    variable: 'SYMPHAINY_REDIS_URL',
    value: url,
    fix: 'use redis://host:6379/0 or rediss://…, or unset it to keep state in process',
  })
  return 'memory'
}

function filesDriverOf(url: string, problems: Problem[]): FilesDriver {
  if (/^file:.+/.test(url)) return 'fs'
  if (url === 'memory:') return 'memory'
  problems.push({
    variable: 'SYMPHAINY_FILES_URL',
    value: url,
    fix: 'use file:./data/files (any folder) or memory:',
  })
  return 'fs'
}

function parseBoolean(variable: string, raw: string, problems: Problem[]): boolean {
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false
  problems.push({ variable, value: raw, fix: 'use true or false' })
  return false
}

function trustProxyOf(raw: string, problems: Problem[]): TrustProxy {
  const parsed = parseTrustProxy(raw)
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return parsed
  problems.push({ variable: 'SYMPHAINY_TRUST_PROXY', value: raw, fix: parsed.fix })
  return false
}

function parseOrigins(raw: string, problems: Problem[]): string[] {
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push({
        variable: 'SYMPHAINY_CORS_ORIGINS',
        value: raw,
        fix: `"${origin}" is not an origin; use scheme://host[:port] without a path, or *`,
      })
    }
  }
  return origins
}

function parseHostPorts(raw: string, problems: Problem[]): string[] {
  const entries = raw
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '')
  for (const entry of entries) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/.test(entry)) {
      problems.push({
        variable: 'SYMPHAINY_WEBHOOK_ALLOW_HOSTS',
        value: raw,
        fix: `"${entry}" is not host:port; list exact entries such as 127.0.0.1:9000`,
      })
    }
  }
  return entries
}

function rateLimitPoliciesOf(raw: string, problems: Problem[]): NamedRateLimitPolicy[] {
  const parsed = parseRateLimitPolicies(raw)
  for (const problem of parsed.problems)
    problems.push({ variable: 'SYMPHAINY_RATE_LIMIT_POLICIES', value: raw, fix: problem })
  return parsed.policies
}

function onStoreErrorOf(raw: string, problems: Problem[]): 'open' | 'closed' {
  if (raw === 'open' || raw === 'closed') return raw
  problems.push({ variable: 'SYMPHAINY_RATE_LIMIT_ON_STORE_ERROR', value: raw, fix: 'use open or closed' })
  return 'open'
}
