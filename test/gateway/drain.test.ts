import { connect } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { buildGateway } from '../../src/gateway/build-gateway.js'
import { createTestPlatform } from '../support/test-platform.js'

const platform = await createTestPlatform()
afterAll(() => platform.close())

describe('graceful drain', () => {
  it('finishes in-flight requests, answers late ones with SHUTTING_DOWN, then refuses connections', async () => {
    const app = await buildGateway(platform)
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let arrived!: () => void
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve))
    app.get('/test/slow', { config: { security: { public: true } } }, async () => {
      arrived()
      await held
      return { finished: true }
    })
    let closingStarted!: () => void
    const closingSeen = new Promise<void>((resolve) => (closingStarted = resolve))
    app.addHook('preClose', (done) => {
      closingStarted()
      done()
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })

    // One kept-alive socket: the slow request, then a second request pipelined behind it that the server only
    // reads once closing has begun.
    const { port } = new URL(address)
    const socket = connect(Number(port), '127.0.0.1')
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
    const socketClosed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.write('GET /test/slow HTTP/1.1\r\nHost: x\r\n\r\n')
    await slowArrived
    const closed = app.close()
    await closingSeen
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')

    release()
    await socketClosed
    const responses = received.split(/(?=HTTP\/1\.1 )/)
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200/)
    expect(responses[0]).toContain('{"finished":true}')
    expect(responses).toHaveLength(2)
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/)
    expect(responses[1]).toMatch(/connection: close/i)
    expect(responses[1]).toContain('"code":"SHUTTING_DOWN"')
    await closed
    await expect(fetch(`${address}/health`)).rejects.toThrow()
  })

  it('reports stopping on /ready while the platform drains, and closes every service', async () => {
    const other = await createTestPlatform()
    const closing = other.close()
    const ready = await other.services.nurse.readiness()
    expect(ready).toMatchObject({ ready: false, status: 'stopping' })
    await closing
    expect(other.services.cityManager.state).toBe('stopped')
    expect(other.services.cityManager.status().every((s) => s.state === 'stopped')).toBe(true)
    await other.close()
  })
})
