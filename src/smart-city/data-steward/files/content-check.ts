import { fileTypeFromBuffer } from 'file-type'
import type { DeclaredType } from './content-types.js'

/** Bytes looked at before deciding what a file is; later bytes are only checked to stay text (for text types). */
export const sniffWindowBytes = 64 * 1024

/**
 * Checks, while the bytes stream past, that they are what the declared type says. `feed` each chunk in order
 * and `end` once; either rejects with the reason (a string) as soon as the content gives the lie away. The first
 * window decides the format (signature, BOM, JSON start); text keeps being validated to the last byte.
 */
export interface ContentCheck {
  feed(chunk: Uint8Array): Promise<void>
  end(): Promise<void>
}

export class ContentMismatch extends Error {}

type Validator = (chunk: Uint8Array, final: boolean) => void

export function createContentCheck(declared: DeclaredType): ContentCheck {
  const head: Uint8Array[] = []
  let headBytes = 0
  let offset = 0
  let validate: Validator | undefined

  async function decide(): Promise<void> {
    const window = Buffer.concat(head, headBytes)
    head.length = 0
    validate = await validatorFor(declared, window)
    checked(`within the first ${window.byteLength} bytes`, () => validate!(window, false))
  }

  return {
    async feed(chunk) {
      if (validate) {
        checked(`near byte ${offset}`, () => validate!(chunk, false))
      } else {
        head.push(chunk)
        headBytes += chunk.byteLength
        if (headBytes >= sniffWindowBytes) await decide()
      }
      offset += chunk.byteLength
    },
    async end() {
      if (!validate) await decide()
      checked('at the end', () => validate!(new Uint8Array(0), true))
    },
  }
}

/** TextDecoder's fatal mode throws a TypeError on the first invalid sequence. */
function checked(where: string, run: () => void): void {
  try {
    run()
  } catch (error) {
    if (error instanceof TypeError)
      throw new ContentMismatch(`the text is not valid in its encoding (${where})`)
    throw error
  }
}

/**
 * Formats whose signature alone gives away a document declared as text. Short signatures (an MPEG frame sync is
 * `FF Fx`, like a UTF-16 BOM; `ID3` can start a CSV) are left to the text checks, which catch real binaries anyway.
 */
const documentSignatures = new Set([
  'pdf',
  'zip',
  'xlsx',
  'docx',
  'pptx',
  'odt',
  'ods',
  'cfb',
  'gz',
  '7z',
  'rar',
  'png',
  'jpg',
  'gif',
  'webp',
])

async function validatorFor(declared: DeclaredType, window: Buffer): Promise<Validator> {
  const { family } = declared
  if (family.kind === 'any') return () => undefined
  const detected = await fileTypeFromBuffer(window)
  if (family.kind === 'binary') {
    if (detected?.ext !== family.extension) {
      throw new ContentMismatch(detected ? `the content is ${detected.mime}` : 'no known signature')
    }
    return () => undefined
  }
  if (detected && documentSignatures.has(detected.ext)) {
    throw new ContentMismatch(`the content is ${detected.mime}`)
  }
  const validator = textValidator(window)
  if (family.json) checkJsonStart(window)
  return validator
}

function bomOf(window: Uint8Array): 'le' | 'be' | undefined {
  if (window[0] === 0xff && window[1] === 0xfe) return 'le'
  if (window[0] === 0xfe && window[1] === 0xff) return 'be'
  return undefined
}

function textValidator(window: Uint8Array): Validator {
  const bom = bomOf(window)
  if (bom) {
    const decoder = new TextDecoder(bom === 'le' ? 'utf-16le' : 'utf-16be', { fatal: true })
    return (chunk, final) => {
      if (decoder.decode(chunk, { stream: !final }).includes('\u0000'))
        throw new ContentMismatch('a NUL character')
    }
  }
  const decoder = new TextDecoder('utf-8', { fatal: true })
  return (chunk, final) => {
    if (chunk.includes(0)) throw new ContentMismatch('a NUL byte, so not text')
    decoder.decode(chunk, { stream: !final })
  }
}

const jsonFirstCharacter = /[{["\-0-9tfn]/

/** JSON (and NDJSON) starts, after an optional BOM and whitespace, with the first character of a JSON value. */
function checkJsonStart(window: Buffer): void {
  const bom = bomOf(window)
  const text = bom
    ? new TextDecoder(bom === 'le' ? 'utf-16le' : 'utf-16be').decode(window)
    : window.toString('latin1').replace(/^\xEF\xBB\xBF/, '')
  const first = /[^ \t\r\n]/.exec(text.replace(/^\uFEFF/, ''))?.[0]
  if (first === undefined) {
    if (window.byteLength < sniffWindowBytes) throw new ContentMismatch('it holds no JSON value')
    return
  }
  if (!jsonFirstCharacter.test(first)) throw new ContentMismatch('it does not start like JSON')
}
