// Post Office mailbox throughput vs plain Redis Streams. Run: npm run bench:mailbox
// Scaled profile: the mailbox lives in PostgreSQL (fresh schema, dropped afterwards), pub/sub hints on Redis.
// One message = send + receive (lease) + ack, done by WORKERS concurrent workers on ONE shared mailbox until
// MESSAGES messages have gone through, through the Post Office's own API in this process (no HTTP).
// Peer: the same loop with ioredis on the same Redis: XADD + XREADGROUP (COUNT 1, consumer group) + XACK on one
// stream, one consumer name per worker. Prints messages/s of both and the ratio.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pg from 'pg'
import { loadConfig } from '../dist/kernel/config.js'
import { createPlatform } from '../dist/platform.js'

const MESSAGES = Number(process.env.MESSAGES ?? 5000)
const WORKERS = Number(process.env.WORKERS ?? 8)
const postgresUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/15'
const payload = { step: 'analyse', answers: { a: 1, b: [1, 2, 3], note: 'x'.repeat(200) } }

async function measure(label, work) {
  let remaining = MESSAGES
  const started = performance.now()
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      while (remaining > 0) {
        remaining--
        await work(worker)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const rate = MESSAGES / seconds
  console.log(`${label.padEnd(58)} ${Math.round(rate)} messages/s (${seconds.toFixed(2)} s)`)
  return rate
}

const schema = `bench_${randomBytes(6).toString('hex')}`
const databaseUrl = new URL(postgresUrl)
databaseUrl.searchParams.set('schema', schema)
const prefix = `bench-${randomBytes(4).toString('hex')}:`
const platform = await createPlatform(
  loadConfig({
    env: {
      SYMPHAINY_DATABASE_URL: databaseUrl.toString(),
      SYMPHAINY_REDIS_URL: redisUrl,
      SYMPHAINY_REDIS_PREFIX: prefix,
      SYMPHAINY_FILES_URL: 'memory:',
      LOG_LEVEL: 'warn',
    },
  }),
)
const redis = new Redis(redisUrl)
const stream = `${prefix}bench-stream`
try {
  const { mailboxes } = platform.services.postOffice
  const tenantId = 'ten_bench'
  const ours = await measure(`post office (PostgreSQL): send+receive+ack, ${WORKERS} workers`, async () => {
    await mailboxes.send({ tenantId, recipient: 'bench', type: 'bench', sender: 'bench', payload })
    const [message] = await mailboxes.receive(tenantId, 'bench', { max: 1 })
    if (message) await mailboxes.ack(tenantId, message.id, message.receipt)
  })

  await redis.xgroup('CREATE', stream, 'workers', '$', 'MKSTREAM')
  const body = JSON.stringify(payload)
  const theirs = await measure(
    `redis streams: XADD+XREADGROUP+XACK, ${WORKERS} consumers`,
    async (worker) => {
      await redis.xadd(stream, '*', 'type', 'bench', 'payload', body)
      const read = await redis.xreadgroup(
        'GROUP',
        'workers',
        `c${worker}`,
        'COUNT',
        1,
        'STREAMS',
        stream,
        '>',
      )
      const id = read?.[0]?.[1]?.[0]?.[0]
      if (id) await redis.xack(stream, 'workers', id)
    },
  )
  console.log(
    `ratio post office ÷ redis streams messages/s: ${(ours / theirs).toFixed(3)}x (no goal; recorded as is)`,
  )
} finally {
  await redis.del(stream).catch(() => undefined)
  redis.disconnect()
  await platform.close()
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  await client.query(`drop schema if exists "${schema}" cascade`)
  await client.end()
}
