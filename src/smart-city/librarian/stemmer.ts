/**
 * A light English stemmer: plural and common verb/adverb endings only (an S-stemmer with -ing, -ed and -ly), so
 * `documents`, `documented` and `documenting` meet at `document` while short and non-Latin words pass unchanged.
 * It is part of the search contract: indexing and queries must stem alike, so changing it needs a reindex.
 */
const latinWord = /^[a-z]+$/
const vowel = /[aeiouy]/
const doubled = /([bdfgkmnprt])\1$/

export function stem(word: string): string {
  if (word.length <= 3 || !latinWord.test(word)) return word
  let w = plural(word)
  w = verbEnding(w)
  if (w.length > 5 && w.endsWith('ly')) w = w.slice(0, -2)
  return w
}

function plural(w: string): string {
  if (w.endsWith('ies') && w.length > 4 && !w.endsWith('eies') && !w.endsWith('aies'))
    return `${w.slice(0, -3)}y`
  if (w.endsWith('sses')) return w.slice(0, -2)
  if (w.endsWith('xes') || w.endsWith('ches') || w.endsWith('shes')) return w.slice(0, -2)
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1)
  return w
}

function verbEnding(w: string): string {
  for (const suffix of ['ing', 'ed']) {
    if (!w.endsWith(suffix)) continue
    const base = w.slice(0, -suffix.length)
    if (base.length < 3 || !vowel.test(base)) return w
    return doubled.test(base) ? base.slice(0, -1) : base
  }
  return w
}
