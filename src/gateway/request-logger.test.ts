import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../kernel/logger.js'
import { lazyChildLogger } from './request-logger.js'

function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    },
  })
  return { lines, logger: createLogger({ level, destination }) }
}

describe('lazy request logger', () => {
  it('binds the request id to every line, at the levels the parent enables', async () => {
    const { lines, logger } = capture('info')
    const app = Fastify({
      loggerInstance: logger,
      disableRequestLogging: true,
      childLoggerFactory: lazyChildLogger,
    })
    app.get('/', (request) => {
      request.log.debug('not written')
      request.log.info({ step: 1 }, 'first')
      request.log.warn('second')
      return { level: request.log.level }
    })
    const response = await app.inject({ method: 'GET', url: '/' })
    expect(response.json()).toEqual({ level: 'info' })
    expect(lines.map((line) => [line['msg'], line['reqId']])).toEqual([
      ['first', 'req-1'],
      ['second', 'req-1'],
    ])
    expect(lines[0]).toMatchObject({ step: 1 })
    await app.close()
  })

  it('follows a level change on the request logger, and makes children that keep the request id', async () => {
    const { lines, logger } = capture('info')
    const app = Fastify({
      loggerInstance: logger,
      disableRequestLogging: true,
      childLoggerFactory: lazyChildLogger,
    })
    app.get('/', (request) => {
      request.log.level = 'debug'
      request.log.debug('now written')
      request.log.child({ part: 'inner' }).info('inner')
      return {}
    })
    await app.inject({ method: 'GET', url: '/' })
    expect(lines).toMatchObject([
      { msg: 'now written', reqId: 'req-1' },
      { msg: 'inner', reqId: 'req-1', part: 'inner' },
    ])
    expect(logger.level).toBe('info')
    await app.close()
  })

  it('gives routes with their own log level a real child at once', async () => {
    const { lines, logger } = capture('info')
    const app = Fastify({
      loggerInstance: logger,
      disableRequestLogging: true,
      childLoggerFactory: lazyChildLogger,
    })
    app.get('/', { logLevel: 'debug' }, (request) => {
      request.log.debug('route debug')
      return {}
    })
    await app.inject({ method: 'GET', url: '/' })
    expect(lines).toMatchObject([{ msg: 'route debug', reqId: 'req-1' }])
    await app.close()
  })
})
