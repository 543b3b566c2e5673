import jsonata from 'jsonata'

/**
 * JSONata expressions compiled once per text and shared (an expression is immutable once compiled). Evaluation
 * errors become `ExpressionError`, which the engine turns into a non-retryable step failure naming the expression.
 */
export const maxExpressionLength = 4096
const maxCached = 2000
const compiled = new Map<string, jsonata.Expression>()

export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    readonly reason: string,
    readonly position?: number,
  ) {
    super(`${reason}${position === undefined ? '' : ` at position ${position}`}`)
  }
}

interface JsonataFailure {
  message?: string
  position?: number
}

/** Throws ExpressionError on a syntax error. */
export function compileExpression(text: string): jsonata.Expression {
  let expression = compiled.get(text)
  if (expression) return expression
  try {
    expression = jsonata(text)
  } catch (error) {
    const failure = error as JsonataFailure
    throw new ExpressionError(text, failure.message ?? 'invalid expression', failure.position)
  }
  if (compiled.size >= maxCached) compiled.delete(compiled.keys().next().value!)
  compiled.set(text, expression)
  return expression
}

export async function evaluate(text: string, context: unknown): Promise<unknown> {
  const expression = compileExpression(text)
  try {
    const result: unknown = await expression.evaluate(context)
    return toJson(result)
  } catch (error) {
    if (error instanceof ExpressionError) throw error
    const failure = error as JsonataFailure
    throw new ExpressionError(text, failure.message ?? 'evaluation failed', failure.position)
  }
}

/** JSONata answers undefined for "no match" and may return sequences with extra properties; keep plain JSON. */
function toJson(value: unknown): unknown {
  const text = value === undefined ? undefined : JSON.stringify(value)
  return text === undefined ? null : (JSON.parse(text) as unknown)
}
