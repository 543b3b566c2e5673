// The worker thread of the CSV part pool (csv-part-pool.ts): parses one part per task and writes its rows as the
// dataset's JSON lines, so that the dataset sink can store them as they are. The line format comes straight from the
// Data Steward's row-lines module: its index would load the whole service into every thread.
import { move, transferableSymbol, valueSymbol } from 'piscina'
import { jsonValuesLine } from '../../../smart-city/data-steward/datasets/row-lines.js'
import { parseCsvPart } from './parsing/csv-part.js'
import type { CsvPartResult, CsvPartTask } from './parsing/types.js'

let line: { columns: string[]; of: (jsonValues: readonly string[]) => string } | undefined

function lineFor(columns: string[]) {
  const same = line?.columns.length === columns.length && line.columns.every((name, i) => name === columns[i])
  if (!same || !line) line = { columns, of: jsonValuesLine(columns) }
  return line.of
}

export default async function parsePart(task: CsvPartTask) {
  const result: CsvPartResult = await parseCsvPart(task, lineFor(task.columns))
  // The lines go back to the pool's thread without a copy.
  return move({ [transferableSymbol]: [result.lines.buffer], [valueSymbol]: result })
}
