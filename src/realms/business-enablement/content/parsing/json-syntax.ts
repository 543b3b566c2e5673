/**
 * Locates the first syntax error in a JSON text that JSON.parse rejected (V8's messages do not always carry a
 * position). Returns the 0-based character offset and 1-based line and column.
 */
export function locateJsonError(text: string): { position: number; line: number; column: number } {
  let position: number
  try {
    position = firstErrorOffset(text)
  } catch {
    position = 0
  }
  return { position, ...lineAndColumn(text, position) }
}

export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: position - lineStart + 1 }
}

class SyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`)
  }
}

function firstErrorOffset(text: string): number {
  let i = 0
  const length = text.length
  const fail = (): never => {
    throw new SyntaxAt(Math.min(i, length))
  }
  const skipSpace = () => {
    while (i < length) {
      const c = text[i]
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') break
      i++
    }
  }
  const literal = (word: string) => {
    for (const char of word) {
      if (text[i] !== char) fail()
      i++
    }
  }
  const digits = () => {
    const start = i
    while (i < length && text[i]! >= '0' && text[i]! <= '9') i++
    if (i === start) fail()
  }
  const number = () => {
    if (text[i] === '-') i++
    if (text[i] === '0') i++
    else digits()
    if (text[i] === '.') {
      i++
      digits()
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++
      if (text[i] === '+' || text[i] === '-') i++
      digits()
    }
  }
  const string = () => {
    i++
    while (i < length) {
      const c = text.charCodeAt(i)
      if (c === 34) {
        i++
        return
      }
      if (c < 0x20) fail()
      if (c === 92) {
        i++
        const escape = text[i]
        if (escape === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail()
          i += 4
        } else if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail()
      }
      i++
    }
    fail()
  }
  const value = (): void => {
    skipSpace()
    const c = text[i]
    if (c === '{') {
      i++
      skipSpace()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        skipSpace()
        if (text[i] !== '"') fail()
        string()
        skipSpace()
        if (text[i] !== ':') fail()
        i++
        value()
        skipSpace()
        if (text[i] === ',') i++
        else if (text[i] === '}') {
          i++
          return
        } else fail()
      }
    } else if (c === '[') {
      i++
      skipSpace()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value()
        skipSpace()
        if (text[i] === ',') i++
        else if (text[i] === ']') {
          i++
          return
        } else fail()
      }
    } else if (c === '"') string()
    else if (c === 't') literal('true')
    else if (c === 'f') literal('false')
    else if (c === 'n') literal('null')
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number()
    else fail()
  }
  try {
    value()
    skipSpace()
    return i
  } catch (error) {
    if (error instanceof SyntaxAt) return error.offset
    throw error
  }
}
