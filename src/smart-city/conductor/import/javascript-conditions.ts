/**
 * Conductor writes DO_WHILE loop conditions and SWITCH `javascript` evaluators in JavaScript. This translates the
 * small subset such conditions use into JSONata: `if (c) { true; } else { false; }` or a bare expression made of
 * `$.name`, `$.name.x`, `$.name['x']` paths, number, string, boolean and null literals, comparisons, `&&`, `||`,
 * `!`, parentheses and `c ? a : b`. Anything else is refused with the reason, never guessed at.
 */
export class UnsupportedExpression extends Error {}

type Token = { kind: 'num' | 'str' | 'id' | 'op'; text: string }

const operators = [
  '===',
  '!==',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '!',
  '(',
  ')',
  '[',
  ']',
  '.',
  '?',
  ':',
  '$',
]

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const rest = source.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    const number = /^\d+(\.\d+)?/.exec(rest)
    if (number) {
      tokens.push({ kind: 'num', text: number[0] })
      i += number[0].length
      continue
    }
    const string = /^'((?:[^'\\]|\\.)*)'|^"((?:[^"\\]|\\.)*)"/.exec(rest)
    if (string) {
      tokens.push({ kind: 'str', text: (string[1] ?? string[2])!.replace(/\\(.)/g, '$1') })
      i += string[0].length
      continue
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)
    if (identifier) {
      tokens.push({ kind: 'id', text: identifier[0] })
      i += identifier[0].length
      continue
    }
    const op = operators.find((o) => rest.startsWith(o))
    if (!op) throw new UnsupportedExpression(`unexpected "${rest[0]}" at position ${i}`)
    tokens.push({ kind: 'op', text: op })
    i += op.length
  }
  return tokens
}

/** Strips `if (c) { true; } else { false; }` (or with false/true swapped) down to `c` (or `!(c)`). */
function unwrapIf(source: string): string {
  const match =
    /^\s*if\s*\(([\s\S]*)\)\s*\{\s*(?:return\s+)?(true|false)\s*;?\s*\}\s*else\s*\{\s*(?:return\s+)?(true|false)\s*;?\s*\}\s*;?\s*$/.exec(
      source,
    )
  if (!match) return source.trim().replace(/;\s*$/, '')
  if (match[2] === match[3]) return match[2]!
  return match[2] === 'true' ? match[1]! : `!(${match[1]!})`
}

/** Translates; `path` maps a `$.` path (its segments) to a JSONata expression. */
export function javascriptToJsonata(source: string, path: (segments: string[]) => string): string {
  const tokens = tokenize(unwrapIf(source))
  let position = 0
  const peek = () => tokens[position]
  const take = (text?: string): Token => {
    const token = tokens[position]
    if (!token || (text !== undefined && token.text !== text)) {
      throw new UnsupportedExpression(`expected ${text ?? 'more'} but found ${token?.text ?? 'the end'}`)
    }
    position++
    return token
  }

  function ternary(): string {
    const condition = or()
    if (peek()?.text !== '?') return condition
    take('?')
    const whenTrue = ternary()
    take(':')
    return `(${condition} ? ${whenTrue} : ${ternary()})`
  }
  function or(): string {
    let left = and()
    while (peek()?.text === '||') {
      take()
      left = `(${left} or ${and()})`
    }
    return left
  }
  function and(): string {
    let left = comparison()
    while (peek()?.text === '&&') {
      take()
      left = `(${left} and ${comparison()})`
    }
    return left
  }
  function comparison(): string {
    const left = unary()
    const op = peek()?.text
    const mapped = {
      '===': '=',
      '==': '=',
      '!==': '!=',
      '!=': '!=',
      '<': '<',
      '<=': '<=',
      '>': '>',
      '>=': '>=',
    }[op ?? '']
    if (mapped === undefined) return left
    take()
    return `(${left} ${mapped} ${unary()})`
  }
  function unary(): string {
    if (peek()?.text === '!') {
      take()
      return `$not(${unary()})`
    }
    return primary()
  }
  function primary(): string {
    const token = take()
    if (token.text === '(') {
      const inner = ternary()
      take(')')
      return `(${inner})`
    }
    if (token.kind === 'num') return token.text
    if (token.kind === 'str') return JSON.stringify(token.text)
    if (token.kind === 'id' && ['true', 'false', 'null'].includes(token.text)) return token.text
    if (token.text === '$') return dollarPath()
    throw new UnsupportedExpression(`"${token.text}" is not supported in a condition`)
  }
  function dollarPath(): string {
    const segments: string[] = []
    for (;;) {
      const next = peek()?.text
      if (next === '.') {
        take('.')
        const name = take()
        if (name.kind !== 'id')
          throw new UnsupportedExpression(`expected a name after "." but found ${name.text}`)
        segments.push(name.text)
      } else if (next === '[') {
        take('[')
        const key = take()
        if (key.kind !== 'str' && key.kind !== 'num')
          throw new UnsupportedExpression('only literal [keys] are supported')
        take(']')
        segments.push(key.text)
      } else {
        break
      }
    }
    if (segments.length === 0) throw new UnsupportedExpression('a bare "$" is not supported')
    if (peek()?.text === '(')
      throw new UnsupportedExpression(`calling ${segments.join('.')} is not supported`)
    return path(segments)
  }

  const result = ternary()
  if (position < tokens.length) throw new UnsupportedExpression(`unexpected "${tokens[position]!.text}"`)
  return result
}
