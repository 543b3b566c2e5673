import { contentErrors } from '../errors.js'
import { chooseParsingType } from './choose-parsing-type.js'
import { parseCopybookData } from './copybook/copybook-data.js'
import { parseDelimited } from './delimited.js'
import { parseDocx } from './docx.js'
import { parseJson } from './json.js'
import { parseJsonLines } from './jsonl.js'
import { parsePdf } from './pdf.js'
import { parseText } from './text.js'
import type { ParseOutcome, ParseSource, TableSink } from './types.js'
import { parseXlsx } from './xlsx.js'

export { chooseParsingType } from './choose-parsing-type.js'
export { parseCopybook, type CopybookLayout, type CopybookField } from './copybook/copybook-layout.js'
export { parseCsvPart } from './csv-part.js'
export type {
  ColumnInfo,
  ColumnType,
  CsvPartResult,
  CsvPartTask,
  ParseOptions,
  ParseOutcome,
  ParseSource,
  ParsedTable,
  ParsingType,
  PartParsing,
  TableSink,
  TextEncoding,
} from './types.js'

/**
 * Parses one file. Table formats call the sink (one startTable/rows/endTable per table) and return the
 * tables' summaries; text formats return the text and never call the sink. Errors are PlatformErrors from
 * content/errors.ts (kind `invalid`); errors thrown by the sink or by reading `bytes` pass through unchanged.
 */
export async function parseFile(source: ParseSource, sink: TableSink): Promise<ParseOutcome> {
  const type = chooseParsingType(source.fileName, source.contentType, source.parsingType)
  switch (type) {
    case 'csv':
    case 'tsv':
      return parseDelimited(source, sink, type)
    case 'json':
      return parseJson(source, sink)
    case 'jsonl':
      return parseJsonLines(source, sink)
    case 'xlsx':
      return parseXlsx(source, sink)
    case 'text':
      return parseText(source, 'plain')
    case 'markdown':
      return parseText(source, 'markdown')
    case 'pdf':
      return parsePdf(source)
    case 'docx':
      return parseDocx(source)
    case 'copybook':
      if (source.copybook === undefined || source.copybook.trim() === '')
        throw contentErrors.PARSE_COPYBOOK_REQUIRED()
      return parseCopybookData(source, source.copybook, sink)
  }
}
