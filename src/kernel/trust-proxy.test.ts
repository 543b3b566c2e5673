import { describe, expect, it } from 'vitest'
import { loadConfig } from './config.js'
import { parseTrustProxy } from './trust-proxy.js'

describe('SYMPHAINY_TRUST_PROXY', () => {
  it.each([
    ['', false],
    ['loopback', ['loopback']],
    [
      ' 10.0.0.0/8, 192.168.1.7 ,::1, fd00::/8,UniqueLocal',
      ['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8', 'uniquelocal'],
    ],
  ])('%j is %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected)
  })

  it.each([
    ['1', 'number of hops'],
    ['*', 'any client choose its IP'],
    ['true', 'any client choose its IP'],
    ['0.0.0.0/0', 'any client choose its IP'],
    ['10.0.0.0/33', 'not an IP address'],
    ['10.0.0/8', 'not an IP address'],
    ['proxy.example.com', 'not an IP address'],
  ])('%j is refused (%s)', (raw, fix) => {
    const parsed = parseTrustProxy(raw)
    expect(parsed).toEqual({ fix: expect.stringContaining(fix) })
  })

  it('fails start-up with the variable and its fix', () => {
    expect(() =>
      loadConfig({ env: { SYMPHAINY_DATABASE_URL: 'sqlite::memory:', SYMPHAINY_TRUST_PROXY: '*' } }),
    ).toThrow(/SYMPHAINY_TRUST_PROXY/)
    const config = loadConfig({
      env: { SYMPHAINY_DATABASE_URL: 'sqlite::memory:', SYMPHAINY_TRUST_PROXY: 'loopback, 10.0.0.0/8' },
    })
    expect(config.server.trustProxy).toEqual(['loopback', '10.0.0.0/8'])
  })
})
