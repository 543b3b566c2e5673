import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshPostgresSchema, realPostgresUrl, realRedisUrl, uniqueName } from '../support/real-servers.js'
import { type ServerProcess, startServerProcess } from '../support/server-process.js'

/**
 * Three server processes share PostgreSQL and run 300 workflows of 5 task steps. The handler (a plugin loaded by
 * each process, test/fixtures/ledger-plugin.mjs) writes a ledger row keyed by (execution, step). While they run,
 * processes are killed with SIGKILL and started again; every workflow must complete with each step's ledger row
 * written exactly once, whatever was redelivered.
 */
const workflows = 300
const stepsPerWorkflow = 5
const kills = 4

describe.skipIf(!realPostgresUrl || !realRedisUrl)('Conductor on three processes with SIGKILLs', () => {
  const schema = realPostgresUrl ? freshPostgresSchema(realPostgresUrl) : undefined
  const schemaName = schema ? new URL(schema.url).searchParams.get('schema')! : ''
  let client: pg.Client
  const nodes: (ServerProcess | undefined)[] = []
  let env: Record<string, string>
  let token: string

  beforeAll(async () => {
    client = new pg.Client({ connectionString: realPostgresUrl! })
    await client.connect()
    await client.query(`create schema if not exists "${schemaName}"`)
    await client.query(`set search_path to "${schemaName}"`)
    await client.query(
      'create table crash_ledger (execution_id text, step_id text, amount integer, primary key (execution_id, step_id))',
    )
    await client.query('create table crash_attempts (execution_id text, step_id text, pid integer)')
    env = {
      SYMPHAINY_DATABASE_URL: schema!.url,
      SYMPHAINY_REDIS_URL: realRedisUrl!,
      SYMPHAINY_REDIS_PREFIX: `${uniqueName('crash')}:`,
      SYMPHAINY_FILES_URL: 'memory:',
      SYMPHAINY_SCRYPT_LOG_N: '12',
      SYMPHAINY_PLUGINS: fileURLToPath(new URL('../fixtures/ledger-plugin.mjs', import.meta.url)),
      SYMPHAINY_CONDUCTOR_LEASE_SECONDS: '2',
      SYMPHAINY_CONDUCTOR_SWEEP_MS: '100',
      SYMPHAINY_CONDUCTOR_WORKER_CONCURRENCY: '8',
      LOG_LEVEL: 'info',
    }
    nodes.push(await startServerProcess(env))
    nodes.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])))
    const signup = await fetch(`${nodes[0]!.baseUrl}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'crash@example.com',
        password: 'correct horse battery staple',
        name: 'Crash',
      }),
    })
    token = ((await signup.json()) as { accessToken: string }).accessToken
  }, 60_000)

  afterAll(async () => {
    for (const node of nodes) node?.child.kill('SIGKILL')
    await Promise.all(nodes.flatMap((n) => (n ? [n.exited] : [])))
    await client?.end()
    await schema?.drop()
  })

  /** Sends to the first live node from `preferred` on, moving on when a node is down. */
  async function api(preferred: number, path: string, body: unknown): Promise<Response> {
    for (let attempt = 0; attempt < 60; attempt++) {
      const node = nodes[(preferred + attempt) % nodes.length]
      if (!node) {
        await sleep(50)
        continue
      }
      try {
        return await fetch(`${node.baseUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      } catch {
        await sleep(50)
      }
    }
    throw new Error(`no node answered ${path}`)
  }

  async function killAndRestart(index: number): Promise<void> {
    const node = nodes[index]!
    nodes[index] = undefined
    node.child.kill('SIGKILL')
    await node.exited
    nodes[index] = await startServerProcess(env)
  }

  it('completes every workflow, each step written to the ledger exactly once', async () => {
    const steps = Array.from({ length: stepsPerWorkflow }, (_, i) => ({
      id: `s${i + 1}`,
      type: 'task',
      task: 'ledger.write',
      input: `{"amount": input.n * 10 + ${i + 1}}`,
    }))
    const defined = await api(0, '/api/v1/workflows', { name: 'ledger', steps })
    expect(defined.status).toBe(201)

    const starting = (async () => {
      for (let n = 0; n < workflows; n += 10) {
        await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const response = await api(n + i, '/api/v1/workflows/ledger/executions', {
              input: { n: n + i },
              idempotencyKey: `crash-${n + i}`,
            })
            expect([200, 202]).toContain(response.status)
          }),
        )
      }
    })()
    const killing = (async () => {
      for (let k = 0; k < kills; k++) {
        await sleep(700)
        await killAndRestart(k % nodes.length)
      }
    })()
    await Promise.all([starting, killing])

    let completed = 0
    for (let i = 0; i < 1200 && completed < workflows; i++) {
      const { rows } = await client.query<{ n: string }>(
        "select count(*) as n from cd_executions where workflow = 'ledger' and status = 'completed'",
      )
      completed = Number(rows[0]!.n)
      if (completed < workflows) await sleep(100)
    }
    const statuses = await client.query('select status, count(*) from cd_executions group by status')
    expect(completed, JSON.stringify(statuses.rows)).toBe(workflows)

    const ledger = await client.query<{ execution_id: string; step_id: string; amount: number }>(
      'select execution_id, step_id, amount from crash_ledger',
    )
    expect(ledger.rows).toHaveLength(workflows * stepsPerWorkflow)
    const perExecution = new Map<string, number>()
    for (const row of ledger.rows)
      perExecution.set(row.execution_id, (perExecution.get(row.execution_id) ?? 0) + 1)
    expect(perExecution.size).toBe(workflows)
    expect([...perExecution.values()].every((count) => count === stepsPerWorkflow)).toBe(true)
    const inputs = await client.query<{ n: number; execution_id: string }>(
      "select (input::json->>'n')::int as n, id as execution_id from cd_executions where workflow = 'ledger'",
    )
    const byExecution = new Map(inputs.rows.map((r) => [r.execution_id, r.n]))
    for (const row of ledger.rows) {
      expect(row.amount).toBe(byExecution.get(row.execution_id)! * 10 + Number(row.step_id.slice(1)))
    }
    const attempts = await client.query<{ n: string; pids: string }>(
      'select count(*) as n, count(distinct pid) as pids from crash_attempts',
    )
    // Kills mid-task mean some steps ran more than once (at least once, effect once); more pids than nodes means
    // restarted processes did part of the work.
    expect(Number(attempts.rows[0]!.n)).toBeGreaterThanOrEqual(workflows * stepsPerWorkflow)
    expect(Number(attempts.rows[0]!.pids)).toBeGreaterThan(3)
  }, 180_000)
})
