import { contentErrors } from '../../errors.js'
import type { ColumnType } from '../types.js'
import { tokenize, type Token } from './copybook-source.js'
import { readPicture, type Picture } from './picture.js'

export type Usage = 'display' | 'packed' | 'binary' | 'native-binary'

/** One column of the record: where its bytes are and how to read them. */
export interface CopybookField {
  name: string
  offset: number
  length: number
  storage: 'alphanumeric' | 'edited' | 'display' | 'packed' | 'binary'
  digits: number
  scale: number
  signed: boolean
  /** DISPLAY numbers only. */
  sign: { position: 'leading' | 'trailing'; separate: boolean }
  type: ColumnType
}

export interface CopybookLayout {
  recordName: string
  recordLength: number
  fields: CopybookField[]
}

interface Item {
  level: number
  name: string
  line: number
  picture?: Picture
  usage?: Usage
  occurs: number
  redefines?: string
  sign?: { position: 'leading' | 'trailing'; separate: boolean }
  children: Item[]
  size: number
  offset: number
}

const usageWords: Record<string, Usage> = {
  DISPLAY: 'display',
  COMP: 'binary',
  COMPUTATIONAL: 'binary',
  'COMP-4': 'binary',
  'COMPUTATIONAL-4': 'binary',
  BINARY: 'binary',
  'COMP-5': 'native-binary',
  'COMPUTATIONAL-5': 'native-binary',
  'COMP-3': 'packed',
  'COMPUTATIONAL-3': 'packed',
  'PACKED-DECIMAL': 'packed',
}
const unsupportedUsages = ['COMP-1', 'COMP-2', 'COMPUTATIONAL-1', 'COMPUTATIONAL-2', 'INDEX', 'POINTER']
const ignoredWords = new Set([
  'IS',
  'ARE',
  'TIMES',
  'SYNC',
  'SYNCHRONIZED',
  'LEFT',
  'RIGHT',
  'JUST',
  'JUSTIFIED',
])
const ignoredWords2 = new Set(['GLOBAL', 'EXTERNAL', 'CHARACTER', 'USAGE'])
const clauseWords = new Set([
  'PIC',
  'PICTURE',
  'USAGE',
  'OCCURS',
  'REDEFINES',
  'VALUE',
  'VALUES',
  'SIGN',
  'LEADING',
  'TRAILING',
  'BLANK',
  'INDEXED',
  'ASCENDING',
  'DESCENDING',
  ...Object.keys(usageWords),
  ...unsupportedUsages,
  ...ignoredWords,
  ...ignoredWords2,
])

/**
 * Reads a COBOL copybook into the byte layout of one record.
 * - Levels 01-49 build the record; level 88 (condition names) and 66 (RENAMES, alternative names for fields
 *   that already are columns) are ignored, as are 77 items (they are not part of a record).
 * - Items without an enclosing 01 (a copybook starting at level 05, say) form one record named RECORD.
 * - Several 01 records describe alternative layouts of the same data; the first is used unless `recordName`
 *   names another.
 * - REDEFINES: the first definition of the storage gives the columns; redefining items are alternative views
 *   of the same bytes and give none (they count only when longer than what they redefine).
 * - OCCURS n (fixed) repeats an item; its columns are suffixed `_1` ... `_n` (nested: `_i_j`). OCCURS
 *   DEPENDING ON, COMP-1/COMP-2, P scaling and SYNC alignment are not supported (SYNC is ignored: no slack
 *   bytes).
 * - FILLER (and unnamed) items take their bytes but give no column.
 * - Column names are the data names as written; repeated names get `_2`, `_3` ...
 */
export function parseCopybook(
  text: string,
  options: { recordName?: string; maxColumns?: number } = {},
): CopybookLayout {
  const { recordName, maxColumns = 10_000 } = options
  const items = readItems(tokenize(text))
  const records = buildRecords(items)
  const record =
    recordName === undefined
      ? records[0]
      : records.find((candidate) => candidate.name.toUpperCase() === recordName.toUpperCase())
  if (!record)
    throw contentErrors.COPYBOOK_INVALID({
      line: 1,
      reason:
        recordName === undefined ? 'it describes no data items' : `it has no 01 record named ${recordName}`,
    })
  layOut(record, 0)
  if (record.size === 0)
    throw contentErrors.COPYBOOK_INVALID({ line: record.line, reason: 'the record has no bytes' })
  if (record.size > maxRecordLength)
    throw invalid(record.line, `the record is ${record.size} bytes long, more than ${maxRecordLength}`)
  const columns = columnCount(record)
  if (columns > maxColumns)
    throw invalid(record.line, `it describes ${columns} columns, more than ${maxColumns}`)
  const fields: CopybookField[] = []
  collectFields(record, record.offset, '', fields)
  dedupeNames(fields)
  return { recordName: record.name, recordLength: record.size, fields }
}

/** Far above the 32,760 bytes of a mainframe record; a bound on what one record may hold in memory. */
const maxRecordLength = 1024 * 1024

function columnCount(item: Item): number {
  if (item.children.length === 0) return item.name.toUpperCase() === 'FILLER' ? 0 : item.occurs
  let count = 0
  for (const child of item.children) if (child.redefines === undefined) count += columnCount(child)
  return count * item.occurs
}

/** Words of VALUE, INDEXED BY and KEY IS phrases: literals, index and key names, IS and ARE. */
function skippable(word: string): boolean {
  const upper = word.toUpperCase()
  return upper === 'IS' || upper === 'ARE' || !clauseWords.has(upper)
}

function invalid(line: number, reason: string) {
  return contentErrors.COPYBOOK_INVALID({ line, reason })
}

function readItems(tokens: Token[]): Item[] {
  const items: Item[] = []
  let start = 0
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]?.text !== '.') continue
    const entry = tokens.slice(start, i)
    start = i + 1
    if (entry.length === 0) continue
    const item = readEntry(entry)
    if (item) items.push(item)
  }
  const rest = tokens.slice(start)
  if (rest.length > 0) {
    const last = rest[rest.length - 1]
    throw invalid(
      last?.line ?? 1,
      `the entry starting with ${rest[0]?.text ?? ''} does not end with a period`,
    )
  }
  return items
}

function readEntry(entry: Token[]): Item | undefined {
  const first = entry[0] as Token
  if (!/^\d{1,2}$/.test(first.text)) throw invalid(first.line, `expected a level number, found ${first.text}`)
  const level = Number(first.text)
  if (level === 66 || level === 77 || level === 88) return undefined
  if (level < 1 || level > 49) throw invalid(first.line, `level ${first.text} is not 01-49, 66, 77 or 88`)
  let i = 1
  let name = 'FILLER'
  const second = entry[1]
  if (second && !clauseWords.has(second.text.toUpperCase())) {
    name = second.text
    i = 2
  }
  const item: Item = { level, name, line: first.line, occurs: 1, children: [], size: 0, offset: 0 }
  while (i < entry.length) {
    const token = entry[i] as Token
    const word = token.text.toUpperCase()
    const next = () => {
      i++
      let value = entry[i]
      while (value && (value.text.toUpperCase() === 'IS' || value.text.toUpperCase() === 'ARE'))
        value = entry[++i]
      if (!value) throw invalid(token.line, `${token.text} needs a value`)
      return value
    }
    if (word === 'PIC' || word === 'PICTURE') {
      const pic = next()
      const picture = readPicture(pic.text)
      if (typeof picture === 'string') throw invalid(pic.line, picture)
      item.picture = picture
    } else if (usageWords[word]) {
      item.usage = usageWords[word]
    } else if (unsupportedUsages.includes(word)) {
      throw invalid(token.line, `USAGE ${token.text} is not supported`)
    } else if (word === 'OCCURS') {
      const count = next()
      if (!/^\d+$/.test(count.text) || Number(count.text) < 1)
        throw invalid(count.line, `OCCURS needs a positive count, found ${count.text}`)
      if (entry.slice(i + 1).some((t) => ['TO', 'DEPENDING'].includes(t.text.toUpperCase())))
        throw invalid(token.line, 'OCCURS DEPENDING ON (variable-length records) is not supported')
      item.occurs = Number(count.text)
    } else if (word === 'REDEFINES') {
      item.redefines = next().text
    } else if (word === 'SIGN' || word === 'LEADING' || word === 'TRAILING') {
      const position = word === 'SIGN' ? next().text.toUpperCase() : word
      if (position !== 'LEADING' && position !== 'TRAILING')
        throw invalid(token.line, `SIGN must be LEADING or TRAILING, found ${position}`)
      const separate = entry[i + 1]?.text.toUpperCase() === 'SEPARATE'
      if (separate) i++
      item.sign = { position: position === 'LEADING' ? 'leading' : 'trailing', separate }
    } else if (
      word === 'VALUE' ||
      word === 'VALUES' ||
      word === 'INDEXED' ||
      word === 'ASCENDING' ||
      word === 'DESCENDING'
    ) {
      while (i + 1 < entry.length && skippable(entry[i + 1]?.text ?? '')) i++
    } else if (word === 'BLANK') {
      while (
        i + 1 < entry.length &&
        ['WHEN', 'ZERO', 'ZEROS', 'ZEROES'].includes(entry[i + 1]?.text.toUpperCase() ?? '')
      )
        i++
    } else if (!ignoredWords.has(word) && !ignoredWords2.has(word) && word !== 'SEPARATE') {
      const hint = /^\d{1,2}$/.test(token.text) ? ' (is the period ending the entry before it missing?)' : ''
      throw invalid(token.line, `unexpected word ${token.text}${hint}`)
    }
    i++
  }
  return item
}

/** Nests items by level number; returns the top-level items (normally the 01 records). */
function buildRecords(items: Item[]): Item[] {
  const roots: Item[] = []
  const stack: Item[] = []
  for (const item of items) {
    while (stack.length > 0 && (stack[stack.length - 1]?.level ?? 0) >= item.level) stack.pop()
    const parent = stack[stack.length - 1]
    if (parent) {
      if (parent.picture) throw invalid(item.line, `${parent.name} has a PIC and cannot hold ${item.name}`)
      item.usage ??= parent.usage
      parent.children.push(item)
    } else {
      roots.push(item)
    }
    stack.push(item)
  }
  const first = roots[0]
  if (first && first.level > 1)
    return [{ level: 1, name: 'RECORD', line: first.line, occurs: 1, children: roots, size: 0, offset: 0 }]
  return roots
}

/** Computes sizes and offsets (relative to the record start) of an item and its subordinates. */
function layOut(item: Item, offset: number): void {
  item.offset = offset
  if (item.children.length === 0) {
    if (!item.picture) throw invalid(item.line, `${item.name} has neither a PIC nor subordinate items`)
    item.size = elementarySize(item, item.picture) * item.occurs
    return
  }
  let cursor = offset
  const byName = new Map<string, Item>()
  for (const child of item.children) {
    if (child.redefines !== undefined) {
      const target = byName.get(child.redefines.toUpperCase())
      if (!target)
        throw invalid(
          child.line,
          `${child.name} redefines ${child.redefines}, which is not a preceding sibling`,
        )
      layOut(child, target.offset)
      cursor = Math.max(cursor, target.offset + child.size)
    } else {
      layOut(child, cursor)
      cursor += child.size
    }
    byName.set(child.name.toUpperCase(), child)
  }
  item.size = (cursor - offset) * item.occurs
}

function elementarySize(item: Item, picture: Picture): number {
  const usage = item.usage ?? 'display'
  if (picture.category !== 'numeric') {
    if (usage !== 'display') throw invalid(item.line, `${item.name} is not numeric, so it must be DISPLAY`)
    return picture.length
  }
  if (picture.digits > 31) throw invalid(item.line, `${item.name} has more than 31 digits`)
  switch (usage) {
    case 'display':
      return picture.digits + (item.sign?.separate ? 1 : 0)
    case 'packed':
      return Math.floor(picture.digits / 2) + 1
    case 'binary':
    case 'native-binary':
      if (picture.digits > 18) throw invalid(item.line, `${item.name}: binary items hold at most 18 digits`)
      return picture.digits <= 4 ? 2 : picture.digits <= 9 ? 4 : 8
  }
}

function collectFields(item: Item, base: number, suffix: string, fields: CopybookField[]): void {
  const unit = item.size / item.occurs
  for (let n = 0; n < item.occurs; n++) {
    const at = base + n * unit
    const name = item.occurs > 1 ? `${suffix}_${n + 1}` : suffix
    if (item.children.length === 0) {
      if (item.name.toUpperCase() !== 'FILLER') fields.push(field(item, at, unit, name))
      continue
    }
    for (const child of item.children) {
      if (child.redefines !== undefined) continue
      collectFields(child, at + (child.offset - item.offset), name, fields)
    }
  }
}

function field(item: Item, offset: number, length: number, suffix: string): CopybookField {
  const picture = item.picture as Picture
  const sign = item.sign ?? { position: 'trailing', separate: false }
  const base = { name: `${item.name}${suffix}`, offset, length, sign }
  if (picture.category !== 'numeric')
    return { ...base, storage: picture.category, digits: 0, scale: 0, signed: false, type: 'string' }
  const usage = item.usage ?? 'display'
  const storage = usage === 'display' ? 'display' : usage === 'packed' ? 'packed' : 'binary'
  const digits = usage === 'native-binary' ? ([5, 10, 19][[2, 4, 8].indexOf(length)] ?? 19) : picture.digits
  const type: ColumnType = digits > 15 ? 'string' : picture.scale > 0 ? 'number' : 'integer'
  return { ...base, storage, digits, scale: picture.scale, signed: picture.signed, type }
}

function dedupeNames(fields: CopybookField[]): void {
  const used = new Set<string>()
  for (const field of fields) {
    let name = field.name
    for (let n = 2; used.has(name); n++) name = `${field.name}_${n}`
    used.add(name)
    field.name = name
  }
}
