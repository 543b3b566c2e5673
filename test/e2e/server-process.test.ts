import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliProcess, startServerProcess } from '../support/server-process.js'

describe('the real server process, started as `npm start` starts it', () => {
  it('serves health, readiness, metrics and OpenAPI over HTTP, then exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symphainy-e2e-'))
    const server = await startServerProcess({}, dir)
    try {
      const health = await fetch(`${server.baseUrl}/health`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })

      const ready = await fetch(`${server.baseUrl}/ready`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({ status: 'ready', healthPercentage: 100 })

      const metrics = await fetch(`${server.baseUrl}/metrics`)
      expect(await metrics.text()).toContain(
        'symphainy_http_requests_total{method="GET",route="/ready",status="200"} 1',
      )

      const openapi = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
        paths: Record<string, unknown>
      }
      expect(Object.keys(openapi.paths)).toContain('/ready')

      // The defaults put embedded storage under ./data of the working directory.
      expect(existsSync(join(dir, 'data', 'symphainy.db'))).toBe(true)
      expect(existsSync(join(dir, 'data', 'files'))).toBe(true)
    } finally {
      server.child.kill('SIGTERM')
    }
    const exit = await server.exited
    expect(exit).toEqual({ code: 0, signal: null })
    expect(server.output()).toContain('"msg":"stopped"')
  })

  it('refuses a bad configuration at start-up with a message that says how to fix it', async () => {
    const result = await runCliProcess(['start'], { SYMPHAINY_DATABASE_URL: 'mysql://nope', PORT: 'x' })
    expect(result.code).toBe(78)
    expect(result.stderr).toContain('SYMPHAINY_DATABASE_URL="mysql://nope": use sqlite:')
    expect(result.stderr).toContain('PORT="x": use a whole number')
  })

  it('prints help and migrates on demand', async () => {
    const help = await runCliProcess(['--help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('migrate')
    expect(help.stdout).toContain('SYMPHAINY_DATABASE_URL')
    const dir = mkdtempSync(join(tmpdir(), 'symphainy-migrate-'))
    const migrate = await runCliProcess(['migrate'], {
      SYMPHAINY_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`,
    })
    expect(migrate.code).toBe(0)
    expect(migrate.stdout).toMatch(/Database is up to date|Applied \d+ migrations/)
    const unknown = await runCliProcess(['frobnicate'], {})
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown command: frobnicate')
  })
})
