import { analyze, type Token } from './analyzer.js'

/**
 * Highlights computed from the analyzer, so they are the same on every engine: the title whole and the body's
 * best window (the first window of `windowTokens` words holding the most matched words), HTML-escaped, with each
 * matched word wrapped in `<mark>`. A body without a match gives its opening window.
 */
export interface Highlights {
  title: string
  body: string
}

const windowTokens = 30
const ellipsis = '…'

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => escapes[c]!)

interface Word {
  start: number
  end: number
  matched: boolean
}

/** Source words (several terms of one word share its range) and whether any of their terms is wanted. */
function wordsOf(tokens: Token[], wanted: ReadonlySet<string>): Word[] {
  const words: Word[] = []
  for (const token of tokens) {
    const last = words.at(-1)
    const matched = wanted.has(token.term)
    if (last && last.start === token.start) last.matched ||= matched
    else words.push({ start: token.start, end: token.end, matched })
  }
  return words
}

function render(text: string, words: Word[], from: number, to: number): string {
  let out = ''
  let at = from
  for (const word of words) {
    if (!word.matched || word.start < from || word.end > to) continue
    out += `${escapeHtml(text.slice(at, word.start))}<mark>${escapeHtml(text.slice(word.start, word.end))}</mark>`
    at = word.end
  }
  return out + escapeHtml(text.slice(at, to))
}

function bestWindow(words: Word[]): number {
  let best = 0
  let bestCount = -1
  let count = 0
  for (let i = 0; i < words.length; i++) {
    if (words[i]!.matched) count += 1
    if (i >= windowTokens && words[i - windowTokens]!.matched) count -= 1
    const start = Math.max(0, i - windowTokens + 1)
    if (count > bestCount) {
      bestCount = count
      best = start
    }
  }
  return best
}

export function highlight(title: string, body: string, terms: readonly string[]): Highlights {
  const wanted = new Set(terms)
  const titleWords = wordsOf(analyze(title), wanted)
  const bodyWords = wordsOf(analyze(body), wanted)
  if (bodyWords.length === 0) return { title: render(title, titleWords, 0, title.length), body: '' }
  const first = bestWindow(bodyWords)
  const last = Math.min(bodyWords.length, first + windowTokens) - 1
  const from = first === 0 ? 0 : bodyWords[first]!.start
  const to = last === bodyWords.length - 1 ? body.length : bodyWords[last]!.end
  const snippet = render(body, bodyWords, from, to).trim()
  return {
    title: render(title, titleWords, 0, title.length),
    body: `${from > 0 ? ellipsis : ''}${snippet}${to < body.length ? ellipsis : ''}`,
  }
}
