// Security Guard benchmark. Run: npm run bench:auth
// 1. Login flood: logins/s through the real server (OWASP scrypt N=2^17, r=8, p=1; hashing bounded to
//    SYMPHAINY_HASH_CONCURRENCY=2) vs the peer: raw node:crypto scrypt with the same parameters and concurrency in
//    this script. Also /health p99 during the flood, to show hashing does not stall the event loop.
// 2. Authenticated vs unauthenticated request latency on the same server: POST /api/v1/permissions/check with a
//    Bearer token and with an API key, against GET /health with no credentials.
import { scrypt } from 'node:crypto'
import { load as run, startProcess, symphainyStart } from './support.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)

const startServer = () =>
  startProcess(symphainyStart, { LOG_LEVEL: 'info', SYMPHAINY_LOGIN_IP_MAX_FAILURES: '100000' })

async function json(url, init) {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
  })
  return response.json()
}

async function rawScryptPerSecond(concurrency) {
  const deadline = performance.now() + seconds * 1000
  let done = 0
  const worker = async () => {
    while (performance.now() < deadline) {
      await new Promise((resolve, reject) =>
        scrypt(
          'correct horse battery staple',
          'saltsaltsaltsalt',
          32,
          { N: 2 ** 17, r: 8, p: 1, maxmem: 2 ** 30 },
          (e) => (e ? reject(e) : resolve()),
        ),
      )
      done++
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return done / ((performance.now() - started) / 1000)
}

const { child, address } = await startServer()
try {
  const email = `bench-${Date.now()}@example.com`
  const password = 'correct horse battery staple'
  const signup = await json(`${address}/api/v1/auth/signup`, {
    method: 'POST',
    body: JSON.stringify({ email, password, name: 'Bench' }),
  })
  const bearer = `Bearer ${signup.accessToken}`
  const key = await json(`${address}/api/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: bearer },
    body: JSON.stringify({ name: 'bench' }),
  })

  // Spread over 16 accounts: the account limiter reserves a slot per in-flight attempt, so one account cannot take
  // more than SYMPHAINY_LOGIN_MAX_FAILURES concurrent logins (that is what bounds parallel guessing).
  const emails = [email]
  for (let i = 1; i < 16; i++) {
    const other = `bench-${Date.now()}-${i}@example.com`
    await json(`${address}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: bearer },
      body: JSON.stringify({ email: other, password, name: `Bench ${i}`, roles: ['member'] }),
    })
    emails.push(other)
  }
  let next = 0
  const [flood, healthDuringFlood] = await Promise.all([
    run({
      url: `${address}/api/v1/auth/login`,
      method: 'POST',
      connections: 32,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ email: emails[next++ % emails.length], password }),
          }),
        },
      ],
    }),
    run({ url: `${address}/health`, connections: 1, duration: seconds }),
  ])
  const logins = flood['2xx'] / (flood.duration || seconds)
  const statuses = Object.entries(flood.statusCodeStats ?? {})
    .map(([code, { count }]) => `${count}×${code}`)
    .join(', ')
  const peer = await rawScryptPerSecond(2)

  const check = (authorization) =>
    run({
      url: `${address}/api/v1/permissions/check`,
      method: 'POST',
      connections: 10,
      duration: seconds,
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ resource: 'dataset', action: 'read' }),
    })
  const unauthenticated = await run({ url: `${address}/health`, connections: 10, duration: seconds })
  const withBearer = await check(bearer)
  const withApiKey = await check(`ApiKey ${key.key}`)

  console.log(
    `login flood (32 connections over 16 accounts, ${seconds}s): ${logins.toFixed(1)} logins/s; statuses ${statuses}`,
  )
  console.log(`peer: raw scrypt N=2^17 r=8 p=1, concurrency 2: ${peer.toFixed(1)} hashes/s`)
  console.log(`ratio logins/s ÷ raw hashes/s: ${(logins / peer).toFixed(2)}x`)
  console.log(
    `/health during the flood: p50 ${healthDuringFlood.latency.p50} ms, p99 ${healthDuringFlood.latency.p99} ms, ${healthDuringFlood.requests.average} req/s`,
  )
  const row = (name, r) =>
    `${name.padEnd(34)} p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  ${r.requests.average} req/s  non-2xx ${r.non2xx}`
  console.log(row('GET /health (no credentials)', unauthenticated))
  console.log(row('POST /permissions/check (Bearer)', withBearer))
  console.log(row('POST /permissions/check (ApiKey)', withApiKey))
  console.log(
    `ratio authenticated ÷ unauthenticated throughput: Bearer ${(withBearer.requests.average / unauthenticated.requests.average).toFixed(2)}x, ApiKey ${(withApiKey.requests.average / unauthenticated.requests.average).toFixed(2)}x`,
  )
} finally {
  child.kill('SIGTERM')
}
