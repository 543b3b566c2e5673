// Authenticated + rate-limited GET through the gateway vs a bare Fastify hello-world, 50 connections each, one
// after the other against server processes started the same way. Run: npm run bench:gateway
// The Symphainy route is GET /api/v1/auth/principal with a Bearer token (JWT check, shared revocation state, custom
// roles, permission) under a per-user rate-limit policy high enough never to refuse (every request is a real
// limiter decision). The peer answers {"hello":"world"}.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const root = fileURLToPath(new URL('../', import.meta.url))

function start(args, env = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'symphainy-bench-gateway-'))
  const child = spawn(process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', ...env },
  })
  let output = ''
  child.stderr.on('data', (c) => (output += c))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk
      const match = /"address":"([^"]+)"/.exec(output)
      if (match) resolve({ child, address: match[1] })
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)))
  })
}
const run = (options) =>
  new Promise((resolve, reject) => autocannon(options, (e, r) => (e ? reject(e) : resolve(r))))

const policies = [
  { name: 'bench', scope: 'user', limit: 1000000, windowSeconds: 60, routes: ['GET /api/v1/auth/principal'] },
]
const symphainy = await start([join(root, 'dist/cli/main.js'), 'start'], {
  SYMPHAINY_RATE_LIMIT_POLICIES: JSON.stringify(policies),
})
const peer = await start([join(root, 'bench/peers/fastify-hello.js')])
try {
  const signup = await (
    await fetch(`${symphainy.address}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'gw@example.com', password: 'correct horse battery staple', name: 'Gw' }),
    })
  ).json()
  const headers = { authorization: `Bearer ${signup.accessToken}` }
  const probe = await fetch(`${symphainy.address}/api/v1/auth/principal`, { headers })
  if (!probe.headers.get('ratelimit-limit'))
    throw new Error('the route is not rate limited; the comparison would be unfair')
  await run({ url: `${symphainy.address}/api/v1/auth/principal`, headers, connections: 50, duration: 2 })
  const ours = await run({
    url: `${symphainy.address}/api/v1/auth/principal`,
    headers,
    connections: 50,
    duration: seconds,
  })
  await run({ url: `${peer.address}/ready`, connections: 50, duration: 2 })
  const theirs = await run({ url: `${peer.address}/ready`, connections: 50, duration: seconds })
  const row = (name, r) =>
    `${name.padEnd(44)} ${Math.round(r.requests.average)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}`
  console.log(row('symphainy GET /api/v1/auth/principal (auth + limit)', ours))
  console.log(row('fastify hello-world', theirs))
  console.log(
    `ratio throughput symphainy ÷ fastify: ${(ours.requests.average / theirs.requests.average).toFixed(2)}x (goal ≥ 0.6)`,
  )
} finally {
  symphainy.child.kill('SIGTERM')
  peer.child.kill('SIGTERM')
}
