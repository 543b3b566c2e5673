/**
 * EBCDIC code page 037 (US/Canada) to Unicode, written out by hand: one row of 16 code points per high
 * nibble. Control codes map to their C0/C1 equivalents, as IBM's published table does.
 */
const cp037Rows: readonly number[][] = [
  [0x00, 0x01, 0x02, 0x03, 0x9c, 0x09, 0x86, 0x7f, 0x97, 0x8d, 0x8e, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f],
  [0x10, 0x11, 0x12, 0x13, 0x9d, 0x85, 0x08, 0x87, 0x18, 0x19, 0x92, 0x8f, 0x1c, 0x1d, 0x1e, 0x1f],
  [0x80, 0x81, 0x82, 0x83, 0x84, 0x0a, 0x17, 0x1b, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x05, 0x06, 0x07],
  [0x90, 0x91, 0x16, 0x93, 0x94, 0x95, 0x96, 0x04, 0x98, 0x99, 0x9a, 0x9b, 0x14, 0x15, 0x9e, 0x1a],
  chars(' \u00a0âäàáãåçñ¢.<(+|'),
  chars('&éêëèíîïìß!$*);¬'),
  chars('-/ÂÄÀÁÃÅÇÑ¦,%_>?'),
  chars('øÉÊËÈÍÎÏÌ`:#@\'="'),
  chars('Øabcdefghi«»ðýþ±'),
  chars('°jklmnopqrªºæ¸Æ¤'),
  chars('µ~stuvwxyz¡¿ÐÝÞ®'),
  chars('^£¥·©§¶¼½¾[]¯¨´×'),
  chars('{ABCDEFGHI\u00adôöòóõ'),
  chars('}JKLMNOPQR¹ûüùúÿ'),
  chars('\\÷STUVWXYZ²ÔÖÒÓÕ'),
  [...chars('0123456789³ÛÜÙÚ'), 0x9f],
]

function chars(row: string): number[] {
  return Array.from(row, (char) => char.codePointAt(0) ?? 0)
}

const cp037 = cp037Rows.flat()
const cp037Chars: readonly string[] = cp037.map((code) => String.fromCharCode(code))

/** One EBCDIC byte as a character. */
export function ebcdicChar(byte: number): string {
  return cp037Chars[byte] ?? '\ufffd'
}

export function decodeEbcdic(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i++) text += cp037Chars[bytes[i] ?? 0]
  return text
}

/** For tests and for writing fixtures: the EBCDIC byte of a character, undefined when cp037 has none. */
export function encodeEbcdic(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const byte = cp037.indexOf(text.charCodeAt(i))
    if (byte < 0) throw new RangeError(`No cp037 byte for ${JSON.stringify(text[i])}`)
    bytes[i] = byte
  }
  return bytes
}
