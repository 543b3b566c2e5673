import { createRequire } from 'node:module'
import { securityErrors } from '../errors.js'

export const minPasswordLength = 8
export const maxPasswordLength = 1024

export type WeakPasswordReason = 'too_short' | 'too_long' | 'common' | 'matches_identity'

export interface PasswordIdentity {
  email?: string
  name?: string
}

let commonPasswords: ReadonlySet<string> | undefined

/** Loaded on first use: the package unpacks all its word lists on import, which start-up need not pay for. */
function loadDictionary(): string[] {
  const require = createRequire(import.meta.url)
  const { dictionary } = require('@zxcvbn-ts/language-common') as {
    dictionary: Record<'passwords-common', string[]>
  }
  return dictionary['passwords-common']
}

/** Shorter entries are left out: the length rule already rejects them. */
function commonPasswordSet(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    loadDictionary()
      .map((entry) => entry.normalize('NFC').toLowerCase())
      .filter((entry) => codePointLength(entry, minPasswordLength) >= minPasswordLength),
  )
  return commonPasswords
}

/** Counts code points, stopping once past `cap` so oversized input costs no more than needed. */
function codePointLength(text: string, cap: number): number {
  let count = 0
  for (const _ of text) {
    count += 1
    if (count > cap) break
  }
  return count
}

function identityForms(identity: PasswordIdentity): string[] {
  const forms: string[] = []
  const email = identity.email?.normalize('NFC').trim().toLowerCase()
  if (email) {
    forms.push(email)
    const at = email.lastIndexOf('@')
    if (at > 0) forms.push(email.slice(0, at))
  }
  const name = identity.name?.normalize('NFC').trim().toLowerCase()
  if (name) forms.push(name)
  return forms
}

function weakness(password: string, identity: PasswordIdentity): WeakPasswordReason | undefined {
  const normalized = password.normalize('NFC')
  const length = codePointLength(normalized, maxPasswordLength)
  if (length < minPasswordLength) return 'too_short'
  if (length > maxPasswordLength) return 'too_long'
  const lower = normalized.toLowerCase()
  if (commonPasswordSet().has(lower)) return 'common'
  if (identityForms(identity).includes(lower)) return 'matches_identity'
  return undefined
}

/**
 * Rules for new passwords (ASVS 6.2): 8..1024 Unicode code points after NFC, not a common password, not the user's
 * email, email local part or name (all compared case-insensitively). No composition rules; any character is allowed.
 * Throws WEAK_PASSWORD with `details.reason` set to a WeakPasswordReason.
 */
export function checkPasswordPolicy(password: string, context: PasswordIdentity = {}): void {
  const reason = weakness(password, context)
  if (reason !== undefined) throw securityErrors.WEAK_PASSWORD({ reason })
}
