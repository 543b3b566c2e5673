/** Longest display name kept, in characters; longer names are shortened, keeping the extension. */
export const maxNameLength = 200
const fallbackName = 'upload'

// C0/C1 controls, and the bidirectional overrides that can make `evil‮txt.exe` display as `evilexe.txt`.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * A client's file name made safe to store and show: the last path segment only (either slash), no control or
 * bidi characters, no leading dots or surrounding spaces, at most `maxNameLength` characters. It is a label and
 * never part of a storage key, so nothing here has to be safe for a filesystem.
 */
export function sanitizeFileName(raw: string | undefined): string {
  const segments = (raw ?? '')
    .replace(loneSurrogates, '\uFFFD')
    .normalize('NFC')
    .replace(unsafeCharacters, '')
    .split(/[/\\]/)
  const last = (segments.at(-1) ?? '').trim().replace(/^\.+/, '').trim()
  if (last === '') return fallbackName
  const characters = [...last]
  if (characters.length <= maxNameLength) return last
  const dot = last.lastIndexOf('.')
  const extension = dot > 0 && last.length - dot <= 16 ? [...last.slice(dot)] : []
  return characters.slice(0, maxNameLength - extension.length).join('') + extension.join('')
}

/**
 * `Content-Disposition: attachment` for a stored name (RFC 6266): a quoted ASCII fallback with anything outside
 * printable ASCII, quotes and backslashes replaced by `_`, and the exact name percent-encoded as UTF-8 in
 * `filename*` (RFC 8187), so no CR, LF, quote or semicolon can break out of the header.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  const encoded = encodeURIComponent(name).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
