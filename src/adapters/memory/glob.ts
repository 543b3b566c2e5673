/**
 * Redis glob matching, as PSUBSCRIBE does it: over UTF-8 bytes, with `*`, `?`, `[abc]`, `[^abc]`, `[a-z]` and `\x`
 * escapes. The edge cases follow Redis 7 rather than shell globs: `!` does not negate a class, a reversed range is
 * swapped, an unterminated class runs to the end of the pattern, a trailing `\` matches itself, and an empty subject
 * matches only the empty pattern. The pattern is compiled to tokens once; matching never builds a RegExp.
 */
type Token =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'byte'; byte: number }
  | { kind: 'class'; negated: boolean; bytes: number[]; ranges: Array<[number, number]> }

const STAR = 0x2a
const QUESTION = 0x3f
const BACKSLASH = 0x5c
const OPEN = 0x5b
const CLOSE = 0x5d
const CARET = 0x5e
const DASH = 0x2d

export function compileGlob(pattern: string): (subject: string) => boolean {
  const tokens = tokenize(Buffer.from(pattern, 'utf8'))
  return (subject) => matchTokens(tokens, Buffer.from(subject, 'utf8'))
}

function tokenize(pattern: Uint8Array): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === STAR) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' })
      i++
    } else if (c === QUESTION) {
      tokens.push({ kind: 'any' })
      i++
    } else if (c === BACKSLASH && i + 1 < pattern.length) {
      tokens.push({ kind: 'byte', byte: pattern[i + 1]! })
      i += 2
    } else if (c === OPEN) {
      i = readClass(pattern, i + 1, tokens)
    } else {
      tokens.push({ kind: 'byte', byte: c })
      i++
    }
  }
  return tokens
}

/** Reads a class starting just after `[`; returns the index after it. Mirrors Redis's parsing step by step. */
function readClass(pattern: Uint8Array, start: number, tokens: Token[]): number {
  const negated = pattern[start] === CARET
  const token: Token = { kind: 'class', negated, bytes: [], ranges: [] }
  tokens.push(token)
  let j = negated ? start + 1 : start
  for (;;) {
    const remaining = pattern.length - j
    if (remaining <= 0) return pattern.length
    const c = pattern[j]!
    if (c === BACKSLASH && remaining >= 2) {
      token.bytes.push(pattern[j + 1]!)
      j += 2
    } else if (c === CLOSE) {
      return j + 1
    } else if (remaining >= 3 && pattern[j + 1] === DASH) {
      const end = pattern[j + 2]!
      token.ranges.push(c <= end ? [c, end] : [end, c])
      j += 3
    } else {
      token.bytes.push(c)
      j++
    }
  }
}

function matchesOne(token: Token, byte: number): boolean {
  switch (token.kind) {
    case 'star':
      return false
    case 'any':
      return true
    case 'byte':
      return token.byte === byte
    case 'class': {
      const inside = token.bytes.includes(byte) || token.ranges.some(([lo, hi]) => byte >= lo && byte <= hi)
      return inside !== token.negated
    }
  }
}

/** Greedy matching with backtracking to the last star: every other token consumes exactly one byte, so this is exact. */
function matchTokens(tokens: Token[], subject: Uint8Array): boolean {
  if (subject.length === 0) return tokens.length === 0
  let t = 0
  let i = 0
  let starToken = -1
  let starResume = 0
  while (i < subject.length) {
    const token = tokens[t]
    if (token?.kind === 'star') {
      starToken = t++
      starResume = i
    } else if (token && matchesOne(token, subject[i]!)) {
      t++
      i++
    } else if (starToken >= 0) {
      t = starToken + 1
      i = ++starResume
    } else {
      return false
    }
  }
  while (tokens[t]?.kind === 'star') t++
  return t === tokens.length
}
