import type { CopybookField } from './copybook-layout.js'

/** Why a field's bytes could not be read; the caller adds the record number and field name. */
export class BadFieldData extends Error {}

export type CharOf = (byte: number) => string

/**
 * Reads one field of a record. Alphanumeric: the characters with trailing spaces removed. Numeric-edited: the
 * trimmed text, null when blank. Numbers: null when the bytes are all spaces or all low-values (0x00), else
 * the value (a JS number up to 15 digits, the exact decimal as text beyond). DISPLAY numbers take the sign
 * from an overpunched digit (`{` `A`-`I` positive, `}` `J`-`R` negative; EBCDIC zones C/D) or a separate
 * `+`/`-`; leading spaces count as zeros.
 */
export function decodeField(
  field: CopybookField,
  record: Uint8Array,
  charOf: CharOf,
  spaceByte: number,
): unknown {
  const bytes = record.subarray(field.offset, field.offset + field.length)
  switch (field.storage) {
    case 'alphanumeric':
      return text(bytes, charOf).replace(/ +$/, '')
    case 'edited': {
      const value = text(bytes, charOf).trim()
      return value === '' ? null : value
    }
    case 'display':
      if (blank(bytes, spaceByte)) return null
      return displayNumber(field, text(bytes, charOf))
    case 'packed':
      if (blank(bytes, spaceByte)) return null
      return packedNumber(field, bytes)
    case 'binary':
      return binaryNumber(field, bytes)
  }
}

function text(bytes: Uint8Array, charOf: CharOf): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += charOf(bytes[i] ?? 0)
  return out
}

function blank(bytes: Uint8Array, spaceByte: number): boolean {
  const first = bytes[0]
  if (first !== 0 && first !== spaceByte) return false
  return bytes.every((byte) => byte === first)
}

const positiveOverpunch = '{ABCDEFGHI'
const negativeOverpunch = '}JKLMNOPQR'

function displayNumber(field: CopybookField, chars: string): unknown {
  let negative = false
  let body = chars
  if (field.sign.separate) {
    const signChar = field.sign.position === 'leading' ? chars[0] : chars[chars.length - 1]
    if (signChar === '-') negative = true
    else if (signChar !== '+' && signChar !== ' ')
      throw new BadFieldData(`sign ${JSON.stringify(signChar)} is not + or -`)
    body = field.sign.position === 'leading' ? chars.slice(1) : chars.slice(0, -1)
  } else {
    const at = field.sign.position === 'leading' ? 0 : chars.length - 1
    const char = chars[at] ?? ''
    const positive = positiveOverpunch.indexOf(char)
    const negativeDigit = negativeOverpunch.indexOf(char)
    if (positive >= 0 || negativeDigit >= 0) {
      negative = negativeDigit >= 0
      const digit = String(positive >= 0 ? positive : negativeDigit)
      body = chars.slice(0, at) + digit + chars.slice(at + 1)
    }
  }
  const digits = body.replace(/^ +/, (spaces) => '0'.repeat(spaces.length))
  if (!/^\d+$/.test(digits)) throw new BadFieldData(`${JSON.stringify(chars)} is not a DISPLAY number`)
  if (negative && !field.signed) throw new BadFieldData('a negative value in an unsigned field')
  return decimalValue(field, digits, negative)
}

function packedNumber(field: CopybookField, bytes: Uint8Array): unknown {
  let digits = ''
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0
    const high = byte >> 4
    const low = byte & 0x0f
    if (high > 9)
      throw new BadFieldData(
        `byte ${i + 1} holds nibble ${high.toString(16).toUpperCase()} where a digit belongs`,
      )
    digits += String(high)
    if (i < bytes.length - 1) {
      if (low > 9)
        throw new BadFieldData(
          `byte ${i + 1} holds nibble ${low.toString(16).toUpperCase()} where a digit belongs`,
        )
      digits += String(low)
    } else if (low < 0x0a) {
      throw new BadFieldData(`the sign nibble ${low.toString(16).toUpperCase()} is not A-F`)
    }
  }
  const sign = (bytes[bytes.length - 1] ?? 0) & 0x0f
  const negative = sign === 0x0d || sign === 0x0b
  if (negative && !field.signed) throw new BadFieldData('a negative value in an unsigned field')
  return decimalValue(field, digits.slice(digits.length - field.digits), negative)
}

function binaryNumber(field: CopybookField, bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let value: bigint
  if (bytes.length === 2) value = BigInt(field.signed ? view.getInt16(0) : view.getUint16(0))
  else if (bytes.length === 4) value = BigInt(field.signed ? view.getInt32(0) : view.getUint32(0))
  else value = field.signed ? view.getBigInt64(0) : view.getBigUint64(0)
  const negative = value < 0n
  const digits = (negative ? -value : value).toString()
  if (digits.length > field.digits) throw new BadFieldData(`${value} has more digits than the PIC allows`)
  return decimalValue(field, digits.padStart(field.digits, '0'), negative)
}

/** `digits` holds exactly the field's digit count (integer digits then `scale` fraction digits). */
function decimalValue(field: CopybookField, digits: string, negative: boolean): unknown {
  const whole = digits.slice(0, digits.length - field.scale).replace(/^0+(?=\d)/, '') || '0'
  const fraction = field.scale > 0 ? digits.slice(digits.length - field.scale) : ''
  const zero = /^0*$/.test(digits)
  const textValue = `${negative && !zero ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
  return field.type === 'string' ? textValue : Number(textValue)
}
