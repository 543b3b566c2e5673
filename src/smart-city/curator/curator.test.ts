import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../kernel/clock.js'
import type { PlatformService } from '../../kernel/lifecycle.js'
import { createCurator } from './curator.js'

function service(
  name: string,
  capabilities: string[],
  healthCheck: PlatformService['healthCheck'],
): PlatformService {
  return { descriptor: { name, realm: 'smart-city', version: '2.1.0', capabilities }, healthCheck }
}

describe('Curator', () => {
  it('registers services and discovers them by name and capability', () => {
    const curator = createCurator({ clock: createManualClock() })
    const healthy = () => Promise.resolve({ status: 'healthy' as const })
    curator.register(service('librarian', ['search', 'documents'], healthy))
    curator.register(service('data-steward', ['files', 'validation'], healthy))
    expect(curator.get('librarian').descriptor.version).toBe('2.1.0')
    expect(curator.find('nobody')).toBeUndefined()
    expect(curator.findByCapability('files').map((s) => s.descriptor.name)).toEqual(['data-steward'])
    expect(curator.findByCapability('teleport')).toEqual([])
    expect(curator.list().map((d) => d.name)).toEqual(['librarian', 'data-steward'])
  })

  it('answers SERVICE_NOT_FOUND and refuses double registration', () => {
    const curator = createCurator({ clock: createManualClock() })
    curator.register(service('nurse', [], () => Promise.resolve({ status: 'healthy' })))
    expect(() => curator.get('ghost')).toThrow(
      expect.objectContaining({ code: 'SERVICE_NOT_FOUND', kind: 'not_found' }),
    )
    expect(() =>
      curator.register(service('nurse', [], () => Promise.resolve({ status: 'healthy' }))),
    ).toThrow(expect.objectContaining({ code: 'SERVICE_ALREADY_REGISTERED' }))
    expect(() =>
      curator.register(service('Bad Name', [], () => Promise.resolve({ status: 'healthy' }))),
    ).toThrow(RangeError)
  })

  it('reads a throwing or hanging health check as unhealthy, with the reason', async () => {
    const curator = createCurator({ clock: createManualClock(5000), healthTimeoutMs: 50 })
    curator.register(service('ok', [], () => Promise.resolve({ status: 'healthy', details: { n: 1 } })))
    curator.register(service('throws', [], () => Promise.reject(new Error('db down'))))
    curator.register(service('hangs', [], () => new Promise(() => undefined)))
    const all = await curator.checkAll()
    expect(all['ok']).toMatchObject({ status: 'healthy', details: { n: 1 }, checkedAt: 5000 })
    expect(all['throws']).toMatchObject({ status: 'unhealthy', details: { reason: 'db down' } })
    expect(all['hangs']).toMatchObject({
      status: 'unhealthy',
      details: { reason: expect.stringContaining('timed out') },
    })
  })
})
