import { describe, expect, it } from 'vitest'
import { gcraArg, gcraState, gcraStep, hex } from './gcra.js'

describe('gcra hexadecimal numbers', () => {
  it('hex writes whole numbers as toString(16) does', () => {
    const samples = [0, 1, 9, 10, 15, 16, 17, 255, 256, 257, 4095, 4096, 65535, 65536, 2 ** 32 - 1, 2 ** 32]
    samples.push(Date.UTC(2026, 0, 1), Number.MAX_SAFE_INTEGER)
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER))
    for (const n of samples) expect(hex(n), String(n)).toBe(n.toString(16))
    expect(gcraArg(60_000)).toBe('ea60')
  })

  it('a state round-trips through gcraState and gcraStep', () => {
    const now = Date.UTC(2026, 0, 1)
    const step = gcraStep(null, now, 3, 1000)
    expect(gcraState(step)).toBe(`${(now + 333).toString(16)}:1`)
    expect(gcraStep(gcraState(step), now, 3, 1000)).toMatchObject({ admits: true, remaining: 1 })
  })
})
