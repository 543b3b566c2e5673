import { dictionary } from '@zxcvbn-ts/language-common'
import { describe, expect, it } from 'vitest'
import { isPlatformError } from '../../../kernel/errors.js'
import { checkPasswordPolicy } from './password-policy.js'

type Identity = Parameters<typeof checkPasswordPolicy>[1]

/** The WEAK_PASSWORD reason, or 'ok' when the policy accepts the password. */
function verdict(password: string, identity?: Identity): string {
  try {
    checkPasswordPolicy(password, identity)
    return 'ok'
  } catch (error) {
    if (!isPlatformError(error) || error.code !== 'WEAK_PASSWORD') throw error
    expect(error.kind).toBe('invalid')
    return String(error.details.reason)
  }
}

describe('password policy: length', () => {
  it('counts Unicode code points after NFC', () => {
    expect(verdict('abcdefg')).toBe('too_short')
    expect(verdict('abcdefgh')).toBe('ok')
    expect(verdict('')).toBe('too_short')
    const emoji = '\u{1F600}'
    expect(emoji).toHaveLength(2)
    expect(verdict('abcdef' + emoji)).toBe('too_short')
    expect(verdict('abcdefg' + emoji)).toBe('ok')
    expect(verdict(emoji.repeat(7))).toBe('too_short')
    expect(verdict(emoji.repeat(8))).toBe('ok')
    const decomposed = 'e\u0301'.repeat(4)
    expect([...decomposed]).toHaveLength(8)
    expect(verdict(decomposed)).toBe('too_short')
  })

  it('accepts up to 1024 code points', () => {
    expect(verdict('x'.repeat(1024))).toBe('ok')
    expect(verdict('x'.repeat(1025))).toBe('too_long')
    expect(verdict('\u{1F600}'.repeat(1024))).toBe('ok')
    expect(verdict('\u{1F600}'.repeat(1025))).toBe('too_long')
    expect(verdict('x'.repeat(1_000_000))).toBe('too_long')
  })

  it('has no composition rules and allows spaces and any script', () => {
    expect(verdict('correct horse battery staple')).toBe('ok')
    expect(verdict('k'.repeat(64))).toBe('ok')
    expect(verdict('Tr0ub4dor&3 but much longer than that, 64 characters long indeed')).toBe('ok')
    expect(verdict('пароль для входа')).toBe('ok')
    expect(verdict('パスワードはながい')).toBe('ok')
    expect(verdict('   spaced out   ')).toBe('ok')
  })
})

describe('password policy: common passwords', () => {
  const common = dictionary['passwords-common']

  it('uses a list that holds the passwords tested here', () => {
    expect(common.length).toBeGreaterThan(10_000)
    for (const entry of ['password123', 'qwertyuiop', 'iloveyou', '12345678']) expect(common).toContain(entry)
    expect(common).not.toContain('correct horse battery staple')
  })

  it('rejects common passwords, case-insensitively', () => {
    expect(verdict('password123')).toBe('common')
    expect(verdict('qwertyuiop')).toBe('common')
    expect(verdict('12345678')).toBe('common')
    expect(verdict('PassWord123')).toBe('common')
    expect(verdict('QWERTYUIOP')).toBe('common')
    expect(verdict('password123!x')).toBe('ok')
  })

  it('reports a short common password as too short', () => {
    expect(verdict('qwerty')).toBe('too_short')
  })
})

describe('password policy: identity', () => {
  const identity = { email: 'Ada.Lovelace@Example.org', name: 'Countess of Lovelace' }

  it('rejects the email, its local part or the name, case-insensitively', () => {
    expect(verdict('ada.lovelace@example.org', identity)).toBe('matches_identity')
    expect(verdict('ADA.LOVELACE', identity)).toBe('matches_identity')
    expect(verdict('countess of lovelace', identity)).toBe('matches_identity')
    expect(verdict('ada.lovelace!', identity)).toBe('ok')
    expect(verdict('ada.lovelace@example.org')).toBe('ok')
  })

  it('ignores identity parts too short to matter and missing fields', () => {
    expect(verdict('bob@example.org', { email: 'bob@example.org' })).toBe('matches_identity')
    expect(verdict('bobbobbob', { email: 'bob@example.org' })).toBe('ok')
    expect(verdict('whatever1234', { name: '' })).toBe('ok')
    expect(verdict('whatever1234', {})).toBe('ok')
  })

  it('compares NFC forms of password and name', () => {
    const name = 'Ren\u00e9e Descartes'
    expect(verdict(name.normalize('NFD'), { name })).toBe('matches_identity')
    expect(verdict(name, { name: name.normalize('NFD') })).toBe('matches_identity')
  })
})
