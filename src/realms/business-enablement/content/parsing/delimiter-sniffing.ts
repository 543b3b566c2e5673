const candidates = [',', ';', '\t', '|'] as const

/**
 * Picks the delimiter among , ; tab | from the start of the text: the one found the same non-zero number of
 * times (outside quotes) on every sampled line wins, the most frequent such one first; failing that, the most
 * frequent on the first line; failing that, a comma.
 */
export function sniffDelimiter(head: string, quote = '"'): string {
  const lines = splitSampleLines(head, quote)
  if (lines.length === 0) return ','
  let best: { delimiter: string; count: number } | undefined
  for (const delimiter of candidates) {
    const counts = lines.map((line) => countOutsideQuotes(line, delimiter, quote))
    const first = counts[0] ?? 0
    if (first > 0 && counts.every((count) => count === first) && (!best || first > best.count))
      best = { delimiter, count: first }
  }
  if (best) return best.delimiter
  const firstLine = lines[0] ?? ''
  let fallback: { delimiter: string; count: number } = { delimiter: ',', count: 0 }
  for (const delimiter of candidates) {
    const count = countOutsideQuotes(firstLine, delimiter, quote)
    if (count > fallback.count) fallback = { delimiter, count }
  }
  return fallback.delimiter
}

/** Up to 20 complete lines (line breaks inside quotes do not end a line); a cut-off last line is dropped. */
function splitSampleLines(head: string, quote: string): string[] {
  const lines: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < head.length && lines.length < 20; i++) {
    const char = head[i]
    if (char === quote) quoted = !quoted
    else if (!quoted && char === '\n') {
      const line = head.slice(start, i).replace(/\r$/, '')
      if (line.trim() !== '') lines.push(line)
      start = i + 1
    }
  }
  if (lines.length === 0 && head.trim() !== '') lines.push(head)
  return lines
}

function countOutsideQuotes(line: string, delimiter: string, quote: string): number {
  let count = 0
  let quoted = false
  for (const char of line) {
    if (char === quote) quoted = !quoted
    else if (!quoted && char === delimiter) count++
  }
  return count
}
