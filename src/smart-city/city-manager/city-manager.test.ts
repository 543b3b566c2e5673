import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../kernel/clock.js'
import { createLogger } from '../../kernel/logger.js'
import type { PlatformService, ServiceDescriptor } from '../../kernel/lifecycle.js'
import { createCurator } from '../curator/curator.js'
import { createCityManager } from './city-manager.js'
import { startOrder } from './start-order.js'

const logger = createLogger({ level: 'silent' })

function fakeService(
  name: string,
  events: string[],
  options: Partial<ServiceDescriptor> & { failStart?: boolean; failStop?: boolean } = {},
): PlatformService {
  return {
    descriptor: {
      name,
      realm: options.realm ?? 'smart-city',
      version: '1',
      capabilities: [],
      dependsOn: options.dependsOn,
    },
    start: () => {
      events.push(`start ${name}`)
      return options.failStart ? Promise.reject(new Error(`${name} cannot start`)) : Promise.resolve()
    },
    stop: () => {
      events.push(`stop ${name}`)
      return options.failStop ? Promise.reject(new Error(`${name} cannot stop`)) : Promise.resolve()
    },
    healthCheck: () => Promise.resolve({ status: 'healthy' }),
  }
}

const smartCityShuffled = [
  'conductor',
  'nurse',
  'post-office',
  'security-guard',
  'librarian',
  'traffic-cop',
  'data-steward',
  'curator',
]

describe('City Manager', () => {
  it('starts the Smart City in dependency order, then realms, and stops in reverse', async () => {
    const events: string[] = []
    const services = [
      fakeService('journey-orchestrator', events, { realm: 'journey' }),
      fakeService('delivery-manager', events, { realm: 'business-enablement' }),
      ...smartCityShuffled.map((name) => fakeService(name, events)),
    ]
    const curator = createCurator({ clock: createManualClock() })
    const city = createCityManager({ clock: createManualClock(), logger, curator, services })
    await city.startAll()
    const expected = [
      'curator',
      'security-guard',
      'traffic-cop',
      'nurse',
      'librarian',
      'data-steward',
      'post-office',
      'conductor',
      'delivery-manager',
      'journey-orchestrator',
    ]
    expect(events).toEqual(expected.map((n) => `start ${n}`))
    expect(city.state).toBe('running')
    expect(city.status().map((s) => [s.name, s.state])).toEqual(expected.map((n) => [n, 'running']))
    expect(
      curator
        .list()
        .map((d) => d.name)
        .sort(),
    ).toEqual([...expected].sort())

    events.length = 0
    await city.stopAll()
    expect(events).toEqual([...expected].reverse().map((n) => `stop ${n}`))
    expect(city.state).toBe('stopped')
    expect(city.status().every((s) => s.state === 'stopped')).toBe(true)
    expect(curator.list()).toEqual([])
  })

  it('honours declared dependencies over the canonical rank', () => {
    const order = startOrder([
      {
        name: 'security-guard',
        realm: 'smart-city',
        version: '1',
        capabilities: [],
        dependsOn: ['librarian'],
      },
      { name: 'librarian', realm: 'smart-city', version: '1', capabilities: [] },
      { name: 'curator', realm: 'smart-city', version: '1', capabilities: [] },
    ])
    expect(order.map((d) => d.name)).toEqual(['curator', 'librarian', 'security-guard'])
  })

  it('refuses unknown dependencies and cycles with named errors', () => {
    const d = (name: string, dependsOn: string[]): ServiceDescriptor => ({
      name,
      realm: 'smart-city',
      version: '1',
      capabilities: [],
      dependsOn,
    })
    expect(() => startOrder([d('a', ['ghost'])])).toThrow(
      expect.objectContaining({ code: 'CITY_UNKNOWN_DEPENDENCY' }),
    )
    expect(() => startOrder([d('a', ['b']), d('b', ['c']), d('c', ['a'])])).toThrow(
      expect.objectContaining({
        code: 'CITY_DEPENDENCY_CYCLE',
        message: expect.stringContaining('a -> b -> c -> a'),
      }),
    )
  })

  it('on a failed start, stops what started in reverse and reports the failure', async () => {
    const events: string[] = []
    const services = [
      fakeService('curator', events),
      fakeService('security-guard', events),
      fakeService('traffic-cop', events, { failStart: true }),
      fakeService('nurse', events),
    ]
    const curator = createCurator({ clock: createManualClock() })
    const city = createCityManager({ clock: createManualClock(), logger, curator, services })
    await expect(city.startAll()).rejects.toMatchObject({
      code: 'CITY_START_FAILED',
      details: { name: 'traffic-cop' },
    })
    expect(events).toEqual([
      'start curator',
      'start security-guard',
      'start traffic-cop',
      'stop security-guard',
      'stop curator',
    ])
    expect(city.state).toBe('failed')
    expect(city.status().find((s) => s.name === 'traffic-cop')).toMatchObject({
      state: 'failed',
      error: 'traffic-cop cannot start',
    })
    expect(city.status().find((s) => s.name === 'nurse')?.state).toBe('pending')
  })

  it('keeps stopping the rest when one service fails to stop', async () => {
    const events: string[] = []
    const services = [
      fakeService('curator', events),
      fakeService('nurse', events, { failStop: true }),
      fakeService('conductor', events),
    ]
    const city = createCityManager({
      clock: createManualClock(),
      logger,
      curator: createCurator({ clock: createManualClock() }),
      services,
    })
    await city.startAll()
    events.length = 0
    await expect(city.stopAll()).rejects.toThrow('nurse cannot stop')
    expect(events).toEqual(['stop conductor', 'stop nurse', 'stop curator'])
    expect(city.status().map((s) => s.state)).toEqual(['stopped', 'failed', 'stopped'])
  })
})
