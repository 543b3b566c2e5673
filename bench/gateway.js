// Authenticated + rate-limited GET through the gateway vs a bare Fastify hello-world, 50 connections each, one
// after the other against server processes started the same way. Run: npm run bench:gateway
// The Symphainy route is GET /api/v1/auth/principal with a Bearer token (JWT check, shared revocation state, custom
// roles, permission) under a per-user rate-limit policy high enough never to refuse (every request is a real
// limiter decision). The peer answers {"hello":"world"}.
import { load as run, startProcess as start, symphainyStart, root } from './support.js'
import { join } from 'node:path'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)

const policies = [
  { name: 'bench', scope: 'user', limit: 1000000, windowSeconds: 60, routes: ['GET /api/v1/auth/principal'] },
]
const symphainy = await start(symphainyStart, {
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
  const jwks = await (await fetch(`${symphainy.address}/.well-known/jwks.json`)).text()
  const moleculer = await start([join(root, 'bench/peers/moleculer/server.js')], {
    JWKS: jwks,
    ISSUER: 'symphainy',
    AUDIENCE: 'symphainy-api',
  })
  let viaMoleculer
  try {
    const check = await fetch(`${moleculer.address}/api/v1/auth/principal`, { headers })
    if (check.status !== 200 || !check.headers.get('x-rate-limit-limit'))
      throw new Error(`moleculer peer answered ${check.status}`)
    await run({ url: `${moleculer.address}/api/v1/auth/principal`, headers, connections: 50, duration: 2 })
    viaMoleculer = await run({
      url: `${moleculer.address}/api/v1/auth/principal`,
      headers,
      connections: 50,
      duration: seconds,
    })
  } finally {
    moleculer.child.kill('SIGTERM')
  }
  const row = (name, r) =>
    `${name.padEnd(44)} ${Math.round(r.requests.average)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}`
  console.log(row('symphainy GET /api/v1/auth/principal (auth + limit)', ours))
  console.log(row('fastify hello-world', theirs))
  console.log(
    `ratio throughput symphainy ÷ fastify: ${(ours.requests.average / theirs.requests.average).toFixed(2)}x (goal ≥ 0.6)`,
  )
  console.log(row('moleculer-web 0.10 + moleculer 0.14 (auth + limit)', viaMoleculer))
  console.log(
    `ratio symphainy ÷ moleculer-web: throughput ${(ours.requests.average / viaMoleculer.requests.average).toFixed(2)}x, p99 ${ours.latency.p99} ms vs ${viaMoleculer.latency.p99} ms (goal ≥ 2x)`,
  )
} finally {
  symphainy.child.kill('SIGTERM')
  peer.child.kill('SIGTERM')
}
