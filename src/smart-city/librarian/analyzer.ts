import { stem } from './stemmer.js'

/**
 * The one text analyzer behind indexing, queries and highlights, on both SQL engines: Unicode NFKC, lower case,
 * split on anything that is not a letter, digit or combining mark, English stop words dropped, then `stem`.
 * Both engines receive only its output (terms made of letters, digits and marks), so they match identically.
 */
export interface Token {
  term: string
  /** Offsets of the source word in the original text, for highlights. */
  start: number
  end: number
}

export const maxTermLength = 64

const word = /[\p{L}\p{N}\p{M}]+/gu

const stopWords = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(
    ' ',
  ),
)

export function isStopWord(term: string): boolean {
  return stopWords.has(term)
}

/** The terms of one word as typed (it may give several: `e-mail` is `e`, `mail`; NFKC may split `½`). */
export function termsOfWord(raw: string): string[] {
  const terms: string[] = []
  for (const piece of raw.normalize('NFKC').toLowerCase().matchAll(word)) {
    const text = piece[0]
    if (text.length > maxTermLength || stopWords.has(text)) continue
    terms.push(stem(text))
  }
  return terms
}

export function analyze(text: string): Token[] {
  const tokens: Token[] = []
  for (const match of text.matchAll(word)) {
    const start = match.index
    const end = start + match[0].length
    for (const term of termsOfWord(match[0])) tokens.push({ term, start, end })
  }
  return tokens
}

export function terms(text: string): string[] {
  return analyze(text).map((t) => t.term)
}
