import { postOfficeErrors } from './errors.js'

/**
 * Names and topic patterns. An event type is dot-separated segments (`journey.step.completed`). A pattern is the
 * same with two wildcards: `*` matches exactly one segment, and `#` — only as the last segment — matches any
 * number of trailing segments, none included (`journey.#` matches `journey` and `journey.a.b`). Nothing else is
 * special; matching is case-sensitive.
 */
const segment = '[A-Za-z0-9_-]+'
const typePattern = new RegExp(`^${segment}(\\.${segment})*$`)
const patternSegment = /^([A-Za-z0-9_-]+|\*)$/
const mailboxPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

export function isMailboxName(name: string): boolean {
  return mailboxPattern.test(name)
}

export function checkMailboxName(name: string): string {
  if (!isMailboxName(name)) throw postOfficeErrors.MAILBOX_NAME_INVALID({ name: name.slice(0, 140) })
  return name
}

export function checkEventType(type: string): string {
  if (type.length > 128 || !typePattern.test(type)) throw postOfficeErrors.EVENT_TYPE_INVALID()
  return type
}

export function checkPattern(pattern: string): string {
  const segments = pattern.split('.')
  const valid =
    pattern.length <= 128 &&
    segments.every((s, i) => patternSegment.test(s) || (s === '#' && i === segments.length - 1))
  if (!valid) throw postOfficeErrors.PATTERN_INVALID({ pattern: pattern.slice(0, 140) })
  return pattern
}

export function matchesPattern(pattern: string, type: string): boolean {
  const wanted = pattern.split('.')
  const actual = type.split('.')
  for (let i = 0; i < wanted.length; i++) {
    const part = wanted[i]
    if (part === '#') return true
    if (i >= actual.length) return false
    if (part !== '*' && part !== actual[i]) return false
  }
  return wanted.length === actual.length
}
