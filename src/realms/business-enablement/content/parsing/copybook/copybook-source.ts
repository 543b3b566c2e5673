export interface Token {
  text: string
  line: number
}

/**
 * The words of a copybook with their 1-based line numbers, periods that end an entry as separate `.` tokens.
 * Fixed format (columns 1-6 sequence area, 7 indicator, 8-72 code) is recognised when every non-blank line
 * fits it; otherwise lines are free format. Comment lines (`*` or `/` in the indicator column, or a leading
 * `*` in free format) and `*>` inline comments are dropped; quoted literals stay one token.
 */
export function tokenize(text: string): Token[] {
  const lines = text.split(/\r\n|\r|\n/)
  const fixed = lines.every((line) => line.trim() === '' || fitsFixedFormat(line))
  const tokens: Token[] = []
  lines.forEach((raw, index) => {
    const code = codeArea(raw, fixed)
    if (code !== undefined) tokenizeLine(code, index + 1, tokens)
  })
  return tokens
}

/** Columns 1-6 all blank or all non-blank (a sequence number), column 7 an indicator. */
function fitsFixedFormat(line: string): boolean {
  if (line.length < 7 || !' */-dD'.includes(line[6] ?? '')) return false
  const sequence = line.slice(0, 6)
  return sequence.trim() === '' || !/\s/.test(sequence)
}

function codeArea(raw: string, fixed: boolean): string | undefined {
  if (fixed) {
    if (raw.trim() === '') return undefined
    const indicator = raw[6]
    if (indicator === '*' || indicator === '/') return undefined
    let code = raw.slice(7)
    if (raw.length > 72 && /^[A-Za-z0-9]{1,8}\s*$/.test(raw.slice(72))) code = raw.slice(7, 72)
    return stripInlineComment(code)
  }
  const trimmed = raw.trimStart()
  if (trimmed.startsWith('*') && !trimmed.startsWith('*>')) return undefined
  return stripInlineComment(raw)
}

function stripInlineComment(code: string): string {
  const at = code.indexOf('*>')
  return at >= 0 ? code.slice(0, at) : code
}

function tokenizeLine(code: string, line: number, tokens: Token[]): void {
  let i = 0
  while (i < code.length) {
    const char = code[i] ?? ''
    if (/\s/.test(char)) {
      i++
      continue
    }
    if (char === "'" || char === '"') {
      const close = code.indexOf(char, i + 1)
      const end = close < 0 ? code.length : close + 1
      tokens.push({ text: code.slice(i, end), line })
      i = end
      continue
    }
    let end = i
    while (end < code.length && !/\s/.test(code[end] ?? '')) end++
    let word = code.slice(i, end)
    i = end
    let terminated = false
    if (word.endsWith('.') && word.length > 0) {
      word = word.slice(0, -1)
      terminated = true
    }
    word = word.replace(/[,;]+$/, '')
    if (word !== '') tokens.push({ text: word, line })
    if (terminated) tokens.push({ text: '.', line })
  }
}
