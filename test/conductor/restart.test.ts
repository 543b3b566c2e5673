import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createManualClock } from '../../src/kernel/clock.js'
import { loadConfig } from '../../src/kernel/config.js'
import { createPlatform, type Platform } from '../../src/platform.js'
import { type Account, signUp } from '../support/fixtures.js'

/**
 * The embedded profile keeps timers in its SQLite file: a node that stops and starts again goes on where it was.
 * (A node killed mid-task is the crash test's subject, on PostgreSQL with separate processes.)
 */
describe('Conductor on an embedded SQLite file across a restart', () => {
  const folder = mkdtempSync(join(tmpdir(), 'symphainy-restart-'))
  const env = {
    SYMPHAINY_DATABASE_URL: `sqlite:${join(folder, 'platform.db')}`,
    SYMPHAINY_FILES_URL: 'memory:',
    LOG_LEVEL: 'silent',
    SYMPHAINY_SCRYPT_LOG_N: '12',
    SYMPHAINY_ACCESS_TOKEN_TTL_SECONDS: '86400',
    SYMPHAINY_CONDUCTOR_SWEEP_MS: '60000',
    SYMPHAINY_CONDUCTOR_LEASE_SECONDS: '30',
  }
  const clock = createManualClock(Date.now())
  const open: Platform[] = []
  let owner: Account
  const start = async () => {
    const node = await createPlatform(loadConfig({ env }), { clock })
    open.push(node)
    return node
  }
  const call = (node: Platform, method: string, url: string, payload?: object) =>
    node.gateway.inject({ method: method as 'GET', url, headers: owner.auth, ...(payload && { payload }) })
  async function settle(node: Platform, id: string) {
    let body = { status: '', output: null as unknown }
    for (let i = 0; i < 300; i++) {
      body = (await call(node, 'GET', `/api/v1/executions/${id}`)).json()
      if (body.status === 'completed') break
      clock.advance(1000)
      await node.services.conductor.runDue()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return body
  }

  beforeAll(async () => {
    owner = await signUp((await start()).gateway)
  })
  afterAll(async () => {
    for (const node of open) await node.close()
  })

  it('fires a wait armed before the node stopped, after it starts again', async () => {
    const first = open[0]!
    await call(first, 'POST', '/api/v1/workflows', {
      name: 'restartable',
      steps: [
        { id: 'nap', type: 'wait', seconds: 600 },
        { id: 'work', type: 'task', task: 'work' },
      ],
    })
    const started = (await call(first, 'POST', '/api/v1/workflows/restartable/executions', {})).json<{
      id: string
    }>()
    await first.close()
    const second = await start()
    second.services.conductor.registerHandler('work', async () => 'after restart')
    clock.advance(600_000)
    await second.services.conductor.runDue()
    expect(await settle(second, started.id)).toMatchObject({ status: 'completed', output: 'after restart' })
  })
})
