import type { Readable } from 'node:stream'
import type { Logger } from '../../../kernel/logger.js'
import type { ColumnInfo, DataSteward, TenantContext } from '../../../smart-city/data-steward/index.js'
import { type CsvPartPoolSettings, createCsvPartPool } from './csv-part-pool.js'
import { createDatasetSink, datasetName } from './dataset-sink.js'
import { contentErrors } from './errors.js'
import {
  chooseParsingType,
  parseFile,
  type ParseOptions,
  type ParseOutcome,
  type ParsingType,
} from './parsing/index.js'

/** Indexes a parsed text for search (the Librarian's document intake); called once per text dataset. */
export type TextIndexer = (
  ctx: TenantContext,
  document: { title: string; body: string; collection: string; metadata: Record<string, string> },
) => Promise<void>

export interface ContentPillarDeps {
  dataSteward: DataSteward
  logger: Logger
  /** When given, every text outcome is indexed (collection `files`, metadata `{fileId, datasetId}`). */
  indexText?: TextIndexer
  settings?: {
    answerTextChars?: number
    /** Worker threads for large CSV/TSV files (default none: parsed on the calling thread). */
    csvParts?: CsvPartPoolSettings
  }
}

export interface ParseRequest {
  fileId: string
  parsingType?: ParsingType
  options?: ParseOptions
}

export interface ParsedDataset {
  datasetId: string
  name: string
  sheet?: string
  rows: number
  columns: ColumnInfo[]
}

export type ParseResult =
  | {
      kind: 'table'
      parsingType: ParsingType
      datasetId: string
      rows: number
      columns: ColumnInfo[]
      /** Every table's dataset (one per sheet for XLSX), the first being `datasetId`. */
      datasets: ParsedDataset[]
    }
  | {
      kind: 'text'
      parsingType: ParsingType
      datasetId: string
      /** The first `answerTextChars` characters; the whole text is the dataset. */
      text: string
      textTruncated: boolean
      title?: string
      pages?: number
    }

export interface ContentPillar {
  /**
   * Parses one of the tenant's files into datasets (tables) or a text dataset, with lineage `parsed_from` the
   * file. All or nothing: a parse error (PlatformError `invalid`, with its location) leaves no dataset behind.
   */
  parse(ctx: TenantContext, request: ParseRequest): Promise<ParseResult>
}

export const defaultAnswerTextChars = 10_000
const collection = 'files'

/** The first `max` characters, never splitting a surrogate pair. */
function headOf(text: string, max: number): string {
  if (text.length <= max) return text
  const code = text.charCodeAt(max - 1)
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max)
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The Content pillar: files in the Data Steward become table or text datasets through the parsing library,
 * streamed (file bytes → parser → dataset writer) so memory does not grow with the file. Large CSV/TSV files are
 * parsed in parts on worker threads (`settings.csvParts`), which write the rows' JSON lines; `close` ends them.
 */
export function createContentPillar(deps: ContentPillarDeps): {
  content: ContentPillar
  close(): Promise<void>
} {
  const steward = deps.dataSteward
  const answerTextChars = deps.settings?.answerTextChars ?? defaultAnswerTextChars
  const partPool = createCsvPartPool(deps.settings?.csvParts ?? { threads: 0 })

  async function copybookOf(tenantId: string, copybookId: string | null): Promise<string | undefined> {
    if (copybookId === null) return undefined
    return readText(await steward.files.open(tenantId, copybookId))
  }

  async function index(ctx: TenantContext, document: Parameters<TextIndexer>[1]): Promise<void> {
    if (!deps.indexText) return
    try {
      await deps.indexText(ctx, document)
    } catch (error) {
      // The dataset is stored and answered; a search index that missed it is repaired by re-indexing, not by
      // failing the parse (which the client would retry into a duplicate dataset).
      deps.logger.warn({ err: error, ...document.metadata }, 'parsed text not indexed')
    }
  }

  async function parse(ctx: TenantContext, request: ParseRequest): Promise<ParseResult> {
    const file = await steward.files.get(ctx.tenantId, request.fileId)
    const parsingType = chooseParsingType(file.name, file.contentType, request.parsingType)
    const copybook = parsingType === 'copybook' ? await copybookOf(ctx.tenantId, file.copybookId) : undefined
    const target = createDatasetSink(steward, ctx, {
      fileId: file.id,
      fileName: file.name,
      parsingType,
      sheets: parsingType === 'xlsx',
    })
    const bytes = await steward.files.open(ctx.tenantId, file.id)
    let outcome: ParseOutcome
    try {
      outcome = await parseFile(
        {
          bytes,
          size: file.size,
          ...(partPool.parts && { parts: partPool.parts }),
          fileName: file.name,
          contentType: file.contentType,
          parsingType,
          ...(copybook !== undefined && { copybook }),
          ...(request.options !== undefined && { options: request.options }),
        },
        target.sink,
      )
    } catch (error) {
      await target.abort()
      throw error
    } finally {
      bytes.destroy()
    }

    if (outcome.kind === 'text') {
      const record = await steward.datasets.createText(
        ctx,
        {
          name: datasetName(file.name),
          derivedFrom: [{ id: file.id, relation: 'parsed_from' }],
          source: { fileId: file.id, parsingType },
        },
        outcome.text,
      )
      await index(ctx, {
        title: outcome.title ?? file.name,
        body: outcome.text,
        collection,
        metadata: { fileId: file.id, datasetId: record.id },
      })
      const text = headOf(outcome.text, answerTextChars)
      return {
        kind: 'text',
        parsingType,
        datasetId: record.id,
        text,
        textTruncated: text.length < outcome.text.length,
        ...(outcome.title !== undefined && { title: outcome.title }),
        ...(outcome.pages !== undefined && { pages: outcome.pages }),
      }
    }

    const stored = await target.commit()
    const datasets = stored.map(({ record, sheet }): ParsedDataset => ({
      datasetId: record.id,
      name: record.name,
      ...(parsingType === 'xlsx' && { sheet }),
      rows: record.rowCount,
      columns: record.columns,
    }))
    const first = datasets[0]
    if (!first) throw contentErrors.PARSE_EMPTY_FILE({ fileName: file.name })
    return {
      kind: 'table',
      parsingType,
      datasetId: first.datasetId,
      rows: first.rows,
      columns: first.columns,
      datasets,
    }
  }

  return { content: { parse }, close: () => partPool.close() }
}
