// Authenticated + rate-limited GET through the gateway vs a bare Fastify hello-world, 50 connections each, one
// after the other against server processes started the same way. Run: npm run bench:gateway
// The Symphainy route is GET /api/v1/auth/principal with a Bearer token (JWT check, shared revocation state, custom
// roles, permission) under a per-user rate-limit policy high enough never to refuse (every request is a real
// limiter decision). The peer answers {"hello":"world"}. The machine is shared, so the two alternate for
// BENCH_ROUNDS rounds (the first of each pair alternating too) and medians are compared; each round also reads the
// server's CPU time from /proc, so the CPU per request of both servers is printed as well.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { load as run, startProcess as start, symphainyStart, root } from './support.js'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString())

/** CPU seconds (user + system, all threads) the process has used so far. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** One load run against `server`, with the server's CPU time per request. */
async function measured(server, options) {
  const before = cpuSeconds(server.child.pid)
  const result = await run(options)
  result.cpuUs = ((cpuSeconds(server.child.pid) - before) * 1e6) / result.requests.total
  return result
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const policies = [
  // A million a second: the largest limit allowed, refilled far faster than any run sends (a minute's window was
  // drained by five 10 s rounds on a fast machine, and the last rounds then measured 429s).
  { name: 'bench', scope: 'user', limit: 1000000, windowSeconds: 1, routes: ['GET /api/v1/auth/principal'] },
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
  const ourRun = { url: `${symphainy.address}/api/v1/auth/principal`, headers, connections: 50 }
  const peerRun = { url: `${peer.address}/ready`, connections: 50 }
  await run({ ...ourRun, duration: 2 })
  await run({ ...peerRun, duration: 2 })
  const results = { ours: [], theirs: [] }
  for (let round = 0; round < rounds; round++) {
    const pair = [
      async () => results.ours.push(await measured(symphainy, { ...ourRun, duration: seconds })),
      async () => results.theirs.push(await measured(peer, { ...peerRun, duration: seconds })),
    ]
    if (round % 2 === 1) pair.reverse()
    for (const step of pair) await step()
  }
  const refused = [...results.ours, ...results.theirs].filter((r) => r.non2xx > 0)
  if (refused.length > 0)
    throw new Error(`${refused.length} rounds had non-2xx answers; the comparison is void`)
  const pick = (list) => {
    const rate = median(list.map((r) => r.requests.average))
    return { ...list.find((r) => r.requests.average === rate), cpuUs: median(list.map((r) => r.cpuUs)) }
  }
  const ours = pick(results.ours)
  const theirs = pick(results.theirs)
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
    `${name.padEnd(44)} ${Math.round(r.requests.average)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}` +
    (r.cpuUs === undefined ? '' : `  server CPU ${r.cpuUs.toFixed(1)} µs/request`)
  console.log(`${rounds} rounds of ${seconds} s each, alternating; medians`)
  console.log(row('symphainy GET /api/v1/auth/principal (auth + limit)', ours))
  console.log(row('fastify hello-world', theirs))
  console.log(
    `ratio throughput symphainy ÷ fastify: ${(ours.requests.average / theirs.requests.average).toFixed(2)}x (goal ≥ 0.6); ` +
      `by server CPU per request ${(theirs.cpuUs / ours.cpuUs).toFixed(2)}x; rounds ${results.ours
        .map((r, i) => (r.requests.average / results.theirs[i].requests.average).toFixed(2))
        .join(' ')}`,
  )
  console.log(row('moleculer-web 0.10 + moleculer 0.14 (auth + limit)', viaMoleculer))
  console.log(
    `ratio symphainy ÷ moleculer-web: throughput ${(ours.requests.average / viaMoleculer.requests.average).toFixed(2)}x, p99 ${ours.latency.p99} ms vs ${viaMoleculer.latency.p99} ms (goal ≥ 2x)`,
  )
} finally {
  symphainy.child.kill('SIGTERM')
  peer.child.kill('SIGTERM')
}
