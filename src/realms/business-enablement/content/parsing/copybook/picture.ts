/** What a PIC string describes, before USAGE decides the storage. */
export type Picture =
  | { category: 'alphanumeric'; length: number }
  | { category: 'edited'; length: number }
  | { category: 'numeric'; digits: number; scale: number; signed: boolean }

/**
 * Reads a PIC string: X/A (alphanumeric), 9 with optional leading S and one V (numeric, implied decimal), or
 * numeric-edited symbols (Z * + - . , B 0 / $ CR DB). `n(k)` repeats a symbol. Returns a reason when invalid.
 */
export function readPicture(pic: string): Picture | string {
  const expanded = expand(pic.toUpperCase())
  if (expanded === undefined) return `the repeat counts in PIC ${pic} are not valid`
  if (expanded.length === 0) return 'the PIC string is empty'
  if (expanded.includes('P')) return `PIC ${pic} uses P (decimal scaling), which is not supported`
  if (/^[XA9]+$/.test(expanded) && /[XA]/.test(expanded))
    return { category: 'alphanumeric', length: expanded.length }
  const numeric = /^(S?)(9*)(?:V(9*))?$/.exec(expanded)
  if (numeric) {
    const whole = numeric[2]?.length ?? 0
    const scale = numeric[3]?.length ?? 0
    if (whole + scale === 0) return `PIC ${pic} has no digit positions`
    return { category: 'numeric', digits: whole + scale, scale, signed: numeric[1] === 'S' }
  }
  if (/^[9Z*+\-.,B0/$V]*(CR|DB)?$/.test(expanded) && /[9Z*]/.test(expanded))
    return { category: 'edited', length: expanded.replace(/V/g, '').length }
  return `PIC ${pic} is not a supported picture`
}

function expand(pic: string): string | undefined {
  let out = ''
  let i = 0
  while (i < pic.length) {
    const symbol = pic[i] ?? ''
    if (symbol === '(' || symbol === ')') return undefined
    if (pic[i + 1] === '(') {
      const close = pic.indexOf(')', i + 2)
      if (close < 0) return undefined
      const count = Number(pic.slice(i + 2, close))
      if (!Number.isSafeInteger(count) || count < 1 || count > 65_535) return undefined
      out += symbol.repeat(count)
      i = close + 1
    } else {
      out += symbol
      i++
    }
  }
  return out
}
