import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'
import { isPlatformError } from './errors.js'

function problemsOf(env: Record<string, string>): { variable: string; fix: string }[] {
  try {
    loadConfig({ env })
  } catch (error) {
    if (isPlatformError(error) && error.code === 'CONFIG_INVALID') {
      return error.details['problems'] as { variable: string; fix: string }[]
    }
    throw error
  }
  throw new Error('expected CONFIG_INVALID')
}

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({ env: {} })
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, corsOrigins: [] })
    expect(config.storage).toMatchObject({
      databaseUrl: 'sqlite:./data/symphainy.db',
      databaseDriver: 'sqlite',
      redisUrl: undefined,
      keyValueDriver: 'memory',
      filesUrl: 'file:./data/files',
      filesDriver: 'fs',
      autoMigrate: true,
    })
    expect(config.logLevel).toBe('info')
    expect(config.nurse.readyThresholdPercent).toBe(80)
  })

  it.each([
    ['sqlite::memory:', 'sqlite'],
    ['sqlite:/var/lib/x.db', 'sqlite'],
    ['postgres://u@h:5432/db', 'postgres'],
    ['postgresql://u@h/db?schema=s', 'postgres'],
  ])('picks the database driver of %s by URL', (url, driver) => {
    expect(loadConfig({ env: { SYMPHAINY_DATABASE_URL: url } }).storage.databaseDriver).toBe(driver)
  })

  it('picks Redis by URL and files by scheme', () => {
    const config = loadConfig({
      env: { SYMPHAINY_REDIS_URL: 'redis://r:6379/1', SYMPHAINY_FILES_URL: 'memory:' },
    })
    expect(config.storage.keyValueDriver).toBe('redis')
    expect(config.storage.filesDriver).toBe('memory')
  })

  it('fails fast listing every bad value with a fix', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      SYMPHAINY_DATABASE_URL: 'mysql://x',
      SYMPHAINY_REDIS_URL: 'memcached://x',
      SYMPHAINY_FILES_URL: 's3://bucket',
      LOG_LEVEL: 'loud',
      SYMPHAINY_CORS_ORIGINS: 'https://ok.example,not an origin',
      SYMPHAINY_READY_THRESHOLD: '101',
      SYMPHAINY_AUTO_MIGRATE: 'maybe',
    })
    expect(problems.map((p) => p.variable).sort()).toEqual(
      [
        'LOG_LEVEL',
        'PORT',
        'SYMPHAINY_AUTO_MIGRATE',
        'SYMPHAINY_CORS_ORIGINS',
        'SYMPHAINY_DATABASE_URL',
        'SYMPHAINY_FILES_URL',
        'SYMPHAINY_READY_THRESHOLD',
        'SYMPHAINY_REDIS_URL',
      ].sort(),
    )
    expect(problems.find((p) => p.variable === 'SYMPHAINY_DATABASE_URL')?.fix).toContain('postgres://')
    expect(problems.find((p) => p.variable === 'PORT')?.fix).toContain('0 to 65535')
  })

  it('layers the environment over an optional JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
    const file = join(dir, 'symphainy.json')
    writeFileSync(file, JSON.stringify({ PORT: 9000, HOST: '0.0.0.0', LOG_LEVEL: 'debug' }))
    const config = loadConfig({ env: { SYMPHAINY_CONFIG_FILE: file, LOG_LEVEL: 'warn' } })
    expect(config.server.port).toBe(9000)
    expect(config.server.host).toBe('0.0.0.0')
    expect(config.logLevel).toBe('warn')
  })

  it('rejects a config file that is missing, not JSON, or has unknown keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{ nope')
    const unknown = join(dir, 'unknown.json')
    writeFileSync(unknown, JSON.stringify({ PROT: 1 }))
    expect(problemsOf({ SYMPHAINY_CONFIG_FILE: join(dir, 'absent.json') })[0]?.variable).toBe(
      'SYMPHAINY_CONFIG_FILE',
    )
    expect(problemsOf({ SYMPHAINY_CONFIG_FILE: broken })[0]?.variable).toBe('SYMPHAINY_CONFIG_FILE')
    expect(problemsOf({ SYMPHAINY_CONFIG_FILE: unknown })[0]?.variable).toBe('PROT')
  })

  it('parses CORS origins as a list, allowing *', () => {
    expect(
      loadConfig({ env: { SYMPHAINY_CORS_ORIGINS: 'https://a.example, http://b.example:3000' } }).server
        .corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:3000'])
    expect(loadConfig({ env: { SYMPHAINY_CORS_ORIGINS: '*' } }).server.corsOrigins).toEqual(['*'])
  })
})
