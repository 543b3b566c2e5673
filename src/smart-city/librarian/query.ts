import { termsOfWord } from './analyzer.js'
import { librarianErrors } from './errors.js'

/**
 * The search query language: words (all must match), `"phrases"`, `OR` between two items (binds tighter than the
 * implicit AND: `solar panel OR roof` is solar AND (panel OR roof)) and `-word` / `-"phrase"` exclusions. Words
 * are analysed like documents; a word the analyzer splits (`e-mail`) is a phrase. A phrase is matched through the
 * index's bigram tokens (`a_b`): every adjacent pair of its terms must occur adjacently.
 * Parsing never reaches an engine's own syntax: the compiled FTS5 and tsquery texts are built only from analysed
 * terms, each quoted, so user input cannot produce an engine syntax error.
 */
export type Phrase = string[]

export interface SearchQuery {
  /** Every group must match; a group matches when one of its phrases does. */
  must: Phrase[][]
  /** No document matching one of these phrases is returned. */
  mustNot: Phrase[]
  /** The distinct positive terms, in query order: what is ranked and highlighted. */
  terms: string[]
}

export const maxQueryLength = 500
export const maxQueryTerms = 32

interface Item {
  negated: boolean
  phrase: Phrase
}

type Lexeme = { kind: 'or' } | { kind: 'item'; negated: boolean; text: string }

function invalid(reason: string, detail?: string): never {
  throw librarianErrors.SEARCH_QUERY_INVALID({ reason, ...(detail !== undefined && { detail }) })
}

function lex(q: string): Lexeme[] {
  const out: Lexeme[] = []
  let i = 0
  while (i < q.length) {
    const c = q[i]!
    if (/\s/u.test(c)) {
      i += 1
      continue
    }
    const negated = c === '-' && i + 1 < q.length && !/\s/u.test(q[i + 1]!)
    if (negated) i += 1
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1)
      if (close === -1) invalid('unbalanced_quote')
      out.push({ kind: 'item', negated, text: q.slice(i + 1, close) })
      i = close + 1
      continue
    }
    let end = i
    while (end < q.length && !/\s/u.test(q[end]!) && q[end] !== '"') end += 1
    const text = q.slice(i, end)
    out.push(!negated && text === 'OR' ? { kind: 'or' } : { kind: 'item', negated, text })
    i = end
  }
  return out
}

export function parseQuery(q: string): SearchQuery {
  if (q.length > maxQueryLength) invalid('too_long', `at most ${maxQueryLength} characters`)
  const lexemes = lex(q)
  const groups: Item[][] = []
  let joinNext = false
  for (const [index, lexeme] of lexemes.entries()) {
    if (lexeme.kind === 'or') {
      if (index === 0 || index === lexemes.length - 1 || lexemes[index - 1]!.kind === 'or')
        invalid('dangling_or', 'OR needs an item on each side')
      joinNext = true
      continue
    }
    const item = { negated: lexeme.negated, phrase: termsOfWord(lexeme.text) }
    if (joinNext) groups.at(-1)!.push(item)
    else groups.push([item])
    joinNext = false
  }
  const must: Phrase[][] = []
  const mustNot: Phrase[] = []
  for (const group of groups) {
    if (group.length > 1 && group.some((item) => item.negated))
      invalid('negated_alternative', 'an exclusion cannot be one side of OR')
    const phrases = group.filter((item) => item.phrase.length > 0)
    if (phrases.length === 0) continue
    if (phrases[0]!.negated) mustNot.push(phrases[0]!.phrase)
    else must.push(phrases.map((item) => item.phrase))
  }
  const terms = [...new Set(must.flat(2))]
  if (terms.length === 0)
    invalid('no_terms', 'the query needs at least one word that is not a stop word and not excluded')
  if (terms.length + mustNot.flat().length > maxQueryTerms)
    invalid('too_many_terms', `at most ${maxQueryTerms} terms`)
  return { must, mustNot, terms }
}

export const bigram = (a: string, b: string): string => `${a}_${b}`

/** The index tokens a phrase needs: its one term, or each adjacent pair as a bigram. */
export function phraseTokens(phrase: Phrase): string[] {
  if (phrase.length === 1) return phrase
  return phrase.slice(1).map((term, i) => bigram(phrase[i]!, term))
}

interface Syntax {
  quote: (token: string) => string
  and: string
  or: string
  not: (positive: string, negative: string) => string
}

const fts5: Syntax = {
  quote: (token) => `"${token.replaceAll('"', '""')}"`,
  and: ' AND ',
  or: ' OR ',
  not: (positive, negative) => `(${positive}) NOT (${negative})`,
}

const tsquery: Syntax = {
  quote: (token) => `'${token.replace(/['\\]/g, (c) => `\\${c}`)}'`,
  and: ' & ',
  or: ' | ',
  not: (positive, negative) => `(${positive}) & !(${negative})`,
}

function compile(query: SearchQuery, syntax: Syntax): string {
  const phrase = (p: Phrase) => `(${phraseTokens(p).map(syntax.quote).join(syntax.and)})`
  const positive = query.must.map((group) => `(${group.map(phrase).join(syntax.or)})`).join(syntax.and)
  if (query.mustNot.length === 0) return positive
  return syntax.not(positive, query.mustNot.map(phrase).join(syntax.or))
}

export const toFts5Match = (query: SearchQuery): string => compile(query, fts5)
export const toTsquery = (query: SearchQuery): string => compile(query, tsquery)
