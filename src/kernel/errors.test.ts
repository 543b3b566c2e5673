import { describe, expect, it } from 'vitest'
import { defineErrors } from './error-catalogue.js'
import { PlatformError, errorKinds, isPlatformError, statusByKind, toPlatformError } from './errors.js'

const sample = defineErrors('sample', {
  THING_NOT_FOUND: { kind: 'not_found', message: 'No thing {id} in {where}.', description: 'x' },
  THING_BUSY: { kind: 'unavailable', message: 'Busy.', description: 'y', retryable: true },
})

describe('PlatformError and catalogues', () => {
  it('maps every kind to its status by one table', () => {
    expect(errorKinds.map((k) => statusByKind[k])).toEqual([400, 401, 403, 404, 409, 413, 429, 503, 500])
  })

  it('builds errors from a catalogue with the message template filled from details', () => {
    const error = sample.THING_NOT_FOUND({ id: 'thg_1', where: { a: 1 } })
    expect(error.code).toBe('THING_NOT_FOUND')
    expect(error.kind).toBe('not_found')
    expect(error.status).toBe(404)
    expect(error.message).toBe('No thing thg_1 in {"a":1}.')
    expect(error.retryable).toBe(false)
    expect(sample.THING_BUSY().retryable).toBe(true)
    expect(error.toJSON()).toEqual({
      code: 'THING_NOT_FOUND',
      message: error.message,
      details: { id: 'thg_1', where: { a: 1 } },
    })
  })

  it('leaves unknown placeholders visible rather than inventing values', () => {
    expect(sample.THING_NOT_FOUND({ id: 'x' }).message).toBe('No thing x in {where}.')
  })

  it('keeps the cause', () => {
    const cause = new Error('driver')
    expect(sample.THING_BUSY({}, cause).cause).toBe(cause)
  })

  it('recognises platform errors by brand, not by class identity', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('symphainy.PlatformError')]: true })
    expect(isPlatformError(foreign)).toBe(true)
    expect(isPlatformError(new Error('x'))).toBe(false)
    expect(isPlatformError(null)).toBe(false)
  })

  it('turns anything else into an opaque internal error', () => {
    const wrapped = toPlatformError(new TypeError('secret detail'))
    expect(wrapped.code).toBe('INTERNAL_ERROR')
    expect(wrapped.kind).toBe('internal')
    expect(wrapped.message).not.toContain('secret')
    const existing = new PlatformError({ code: 'X_Y', kind: 'conflict', message: 'm' })
    expect(toPlatformError(existing)).toBe(existing)
  })

  it('refuses codes that are not UPPER_SNAKE', () => {
    expect(() =>
      defineErrors('bad', { 'not-snake': { kind: 'invalid', message: '', description: '' } }),
    ).toThrow(/UPPER_SNAKE/)
  })
})
