// Rate-limit decisions per second on a real Redis. Run: npm run bench:rate-limit
// Subject: the Traffic Cop limiter (one GCRA Lua script per decision through the Redis KeyValueStore adapter).
// Peer: rate-limiter-flexible's RateLimiterRedis over ioredis on the same Redis. Same semantics for both: limit
// 1,000,000 per 60 s per key over 1,000 keys (no request is refused, so both measure the admit path), the same
// number of decisions in flight. Rounds alternate subject and peer; the median of each is compared. Each round also
// reads the CPU time this process and the Redis server (INFO cpu) spent, per decision: on a shared machine that
// says more than the rate about which side is cheaper.
import { Redis } from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { createRedisKeyValueStore } from '../dist/adapters/redis/key-value-store.js'
import { createSystemClock } from '../dist/kernel/clock.js'
import { createLogger } from '../dist/kernel/logger.js'
import { compilePolicy } from '../dist/smart-city/traffic-cop/rate-limits/compiled-policy.js'
import { createLimiter } from '../dist/smart-city/traffic-cop/rate-limits/limiter.js'

const redisUrl = process.env.SYMPHAINY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15'
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64)
const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const keys = 1000
const limit = 1_000_000
const windowSeconds = 60
const prefix = `bench-rl-${process.pid}:`

async function redisCpuSeconds() {
  const info = await redis.info('cpu')
  const field = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)[1])
  return field('used_cpu_user') + field('used_cpu_sys')
}

async function measure(decide) {
  const end = Date.now() + seconds * 1000
  let decisions = 0
  let refused = 0
  const worker = async (w) => {
    for (let i = w; Date.now() < end; i += concurrency) {
      if (!(await decide(i % keys))) refused++
      decisions++
    }
  }
  const redisBefore = await redisCpuSeconds()
  const cpuBefore = process.cpuUsage()
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  const cpu = process.cpuUsage(cpuBefore)
  const redisCpu = (await redisCpuSeconds()) - redisBefore
  return {
    perSecond: decisions / seconds,
    refused,
    clientUs: (cpu.user + cpu.system) / decisions,
    redisUs: (redisCpu * 1e6) / decisions,
  }
}

const keyValue = createRedisKeyValueStore({ url: redisUrl, keyPrefix: prefix })
const limiter = createLimiter({
  keyValue,
  clock: createSystemClock(),
  logger: createLogger({ level: 'silent' }),
  configPolicies: [
    compilePolicy({ name: 'bench', scope: 'ip', limit, windowSeconds, routes: ['/bench'] }, null),
  ],
  onStoreError: 'closed',
  loadTenantPolicies: async () => [],
})
const subject = async (k) =>
  (await limiter.check({ method: 'GET', path: '/bench', ip: `10.0.${k >> 8}.${k & 255}`, principal: null }))
    .allowed

const redis = new Redis(redisUrl)
const flexible = new RateLimiterRedis({
  storeClient: redis,
  keyPrefix: `${prefix}rlf`,
  points: limit,
  duration: windowSeconds,
})
const peer = (k) =>
  flexible.consume(`10.0.${k >> 8}.${k & 255}`).then(
    () => true,
    (rejection) => {
      if (rejection instanceof Error) throw rejection
      return false
    },
  )

await subject(0)
await peer(0)
const results = { subject: [], peer: [] }
for (let round = 0; round < rounds; round++) {
  results.subject.push(await measure(subject))
  results.peer.push(await measure(peer))
}
const median = (list, field) => list.map((r) => r[field]).sort((a, b) => a - b)[Math.floor(list.length / 2)]
const [ours, theirs] = [median(results.subject, 'perSecond'), median(results.peer, 'perSecond')]
const refusals = [...results.subject, ...results.peer].reduce((n, r) => n + r.refused, 0)
const cpu = (list) =>
  `CPU per decision (median): this process ${median(list, 'clientUs').toFixed(2)} µs, Redis ${median(list, 'redisUs').toFixed(2)} µs`
console.log(`Redis ${redisUrl}, ${seconds} s x ${rounds} rounds each, ${concurrency} in flight, ${keys} keys`)
console.log(`symphainy limiter (GCRA script)     ${Math.round(ours)} decisions/s; ${cpu(results.subject)}`)
console.log(`rate-limiter-flexible RateLimiterRedis ${Math.round(theirs)} decisions/s; ${cpu(results.peer)}`)
console.log(`ratio ${(ours / theirs).toFixed(2)}x (goal >= 1.0x); refused: ${refusals}`)
console.log(
  `rounds: ${results.subject.map((r, i) => (r.perSecond / results.peer[i].perSecond).toFixed(2)).join(' ')}`,
)

const stale = await redis.keys(`${prefix}*`)
for (let i = 0; i < stale.length; i += 500) await redis.del(...stale.slice(i, i + 500))
await keyValue.close()
redis.disconnect()
