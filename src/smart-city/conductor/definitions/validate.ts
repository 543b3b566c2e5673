import { compileExpression, ExpressionError, maxExpressionLength } from '../engine/expressions.js'
import { conductorErrors } from '../errors.js'
import { type StepDefinition, stepTypes, type WorkflowSpec } from './types.js'

/**
 * Checks a definition as a whole and reports every problem at once, each with a JSON pointer to where it is:
 * shapes and ranges, unique step ids across the whole definition, every JSONata expression compiled, limits on
 * size and nesting. Unknown properties are refused, so a typo never silently does nothing.
 */
export interface DefinitionProblem {
  path: string
  message: string
}

export const workflowNamePattern = /^[a-z][a-z0-9_.-]{0,63}$/
export const stepIdPattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
export const taskTypePattern = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/
const signalPattern = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/
const maxSteps = 500
const maxDepth = 10
const maxIterations = 1000
const maxSeconds = 366 * 86_400

type Json = Record<string, unknown>

const common = ['id', 'type', 'input', 'optional', 'timeoutSeconds']
const allowedKeys: Record<string, string[]> = {
  task: [...common, 'task', 'retry', 'compensate'],
  switch: [...common, 'cases', 'default'],
  parallel: [...common, 'branches'],
  wait: [...common, 'seconds', 'until', 'signal'],
  subworkflow: [...common, 'workflow', 'version'],
  human: [...common, 'description'],
  loop: [...common, 'steps', 'while', 'maxIterations'],
  set: [...common, 'variables'],
  terminate: [...common, 'status', 'output', 'reason'],
}

export function validateDefinition(raw: unknown): WorkflowSpec {
  const checker = new Checker()
  checker.workflow(raw)
  if (checker.problems.length > 0) throw conductorErrors.DEFINITION_INVALID({ problems: checker.problems })
  return raw as WorkflowSpec
}

class Checker {
  readonly problems: DefinitionProblem[] = []
  private readonly ids = new Set<string>()
  private steps = 0

  problem(path: string, message: string): void {
    if (this.problems.length < 100) this.problems.push({ path, message })
  }

  workflow(raw: unknown): void {
    if (!isObject(raw)) return this.problem('', 'must be an object')
    this.keys(raw, '', ['name', 'version', 'description', 'timeoutSeconds', 'output', 'variables', 'steps'])
    if (typeof raw.name !== 'string' || !workflowNamePattern.test(raw.name))
      this.problem('/name', `must match ${workflowNamePattern.source}`)
    if (raw.version !== undefined && !isInteger(raw.version, 1, 1_000_000))
      this.problem('/version', 'must be an integer from 1 to 1000000')
    this.optionalString(raw, '', 'description', 2000)
    this.seconds(raw, '', 'timeoutSeconds')
    this.expression(raw, '', 'output')
    if (raw.variables !== undefined && !isObject(raw.variables))
      this.problem('/variables', 'must be an object')
    this.sequence(raw.steps, '/steps', 1, true)
  }

  sequence(raw: unknown, path: string, depth: number, nonEmpty = false): void {
    if (!Array.isArray(raw)) return this.problem(path, 'must be an array of steps')
    if (nonEmpty && raw.length === 0) return this.problem(path, 'must hold at least one step')
    if (depth > maxDepth) return this.problem(path, `steps may nest at most ${maxDepth} levels deep`)
    raw.forEach((step, index) => this.step(step, `${path}/${index}`, depth))
  }

  step(raw: unknown, path: string, depth: number): void {
    if (++this.steps > maxSteps) {
      if (this.steps === maxSteps + 1) this.problem(path, `a definition may hold at most ${maxSteps} steps`)
      return
    }
    if (!isObject(raw)) return this.problem(path, 'must be an object')
    if (typeof raw.id !== 'string' || !stepIdPattern.test(raw.id)) {
      this.problem(`${path}/id`, `must match ${stepIdPattern.source}`)
    } else if (this.ids.has(raw.id)) {
      this.problem(`${path}/id`, `"${raw.id}" is already used by another step`)
    } else {
      this.ids.add(raw.id)
    }
    if (typeof raw.type !== 'string' || !(stepTypes as readonly string[]).includes(raw.type))
      return this.problem(`${path}/type`, `must be one of ${stepTypes.join(', ')}`)
    this.keys(raw, path, allowedKeys[raw.type]!)
    this.expression(raw, path, 'input')
    if (raw.optional !== undefined && typeof raw.optional !== 'boolean')
      this.problem(`${path}/optional`, 'must be a boolean')
    this.seconds(raw, path, 'timeoutSeconds')
    this.typed(raw as unknown as StepDefinition, path, depth)
  }

  typed(step: StepDefinition, path: string, depth: number): void {
    const raw = step as unknown as Json
    switch (step.type) {
      case 'task':
        this.taskType(raw, path, 'task')
        this.retry(raw.retry, `${path}/retry`)
        return this.compensation(raw.compensate, `${path}/compensate`)
      case 'switch':
        if (!Array.isArray(raw.cases) || raw.cases.length === 0)
          return this.problem(`${path}/cases`, 'must be a non-empty array of {when, steps}')
        raw.cases.forEach((entry: unknown, index) => {
          const casePath = `${path}/cases/${index}`
          if (!isObject(entry)) return this.problem(casePath, 'must be an object {when, steps}')
          this.keys(entry, casePath, ['when', 'steps'])
          this.expression(entry, casePath, 'when', true)
          this.sequence(entry.steps, `${casePath}/steps`, depth + 1)
        })
        if (raw.default !== undefined) this.sequence(raw.default, `${path}/default`, depth + 1)
        return
      case 'parallel':
        if (!Array.isArray(raw.branches) || raw.branches.length < 1 || raw.branches.length > 50)
          return this.problem(`${path}/branches`, 'must be an array of 1 to 50 step lists')
        raw.branches.forEach((branch: unknown, index) =>
          this.sequence(branch, `${path}/branches/${index}`, depth + 1, true),
        )
        return
      case 'wait':
        return this.wait(raw, path)
      case 'subworkflow':
        if (typeof raw.workflow !== 'string' || !workflowNamePattern.test(raw.workflow))
          this.problem(`${path}/workflow`, `must match ${workflowNamePattern.source}`)
        if (raw.version !== undefined && !isInteger(raw.version, 1, 1_000_000))
          this.problem(`${path}/version`, 'must be an integer from 1 to 1000000')
        return
      case 'human':
        return this.optionalString(raw, path, 'description', 2000)
      case 'loop':
        this.expression(raw, path, 'while', true)
        if (!isInteger(raw.maxIterations, 1, maxIterations))
          this.problem(`${path}/maxIterations`, `must be an integer from 1 to ${maxIterations}`)
        return this.sequence(raw.steps, `${path}/steps`, depth + 1, true)
      case 'set':
        return this.expression(raw, path, 'variables', true)
      case 'terminate':
        if (raw.status !== 'completed' && raw.status !== 'failed')
          this.problem(`${path}/status`, 'must be "completed" or "failed"')
        this.expression(raw, path, 'output')
        return this.optionalString(raw, path, 'reason', 2000)
    }
  }

  wait(raw: Json, path: string): void {
    const kinds = ['seconds', 'until', 'signal'].filter((k) => raw[k] !== undefined)
    if (kinds.length !== 1) return this.problem(path, 'a wait needs exactly one of seconds, until, signal')
    if (raw.seconds !== undefined && !isInteger(raw.seconds, 0, maxSeconds))
      this.problem(`${path}/seconds`, `must be an integer from 0 to ${maxSeconds}`)
    this.expression(raw, path, 'until')
    if (raw.signal !== undefined && (typeof raw.signal !== 'string' || !signalPattern.test(raw.signal)))
      this.problem(`${path}/signal`, `must match ${signalPattern.source}`)
  }

  compensation(raw: unknown, path: string): void {
    if (raw === undefined) return
    if (!isObject(raw)) return this.problem(path, 'must be an object {task, input?, retry?}')
    this.keys(raw, path, ['task', 'input', 'retry'])
    this.taskType(raw, path, 'task')
    this.expression(raw, path, 'input')
    this.retry(raw.retry, `${path}/retry`)
  }

  retry(raw: unknown, path: string): void {
    if (raw === undefined) return
    if (!isObject(raw)) return this.problem(path, 'must be an object')
    this.keys(raw, path, ['maxAttempts', 'backoff', 'delaySeconds', 'maxDelaySeconds', 'jitter'])
    if (!isInteger(raw.maxAttempts, 1, 100))
      this.problem(`${path}/maxAttempts`, 'must be an integer from 1 to 100')
    if (raw.backoff !== 'fixed' && raw.backoff !== 'exponential')
      this.problem(`${path}/backoff`, 'must be "fixed" or "exponential"')
    if (!isNumber(raw.delaySeconds, 0, maxSeconds))
      this.problem(`${path}/delaySeconds`, `must be a number from 0 to ${maxSeconds}`)
    if (raw.maxDelaySeconds !== undefined && !isNumber(raw.maxDelaySeconds, 0, maxSeconds))
      this.problem(`${path}/maxDelaySeconds`, `must be a number from 0 to ${maxSeconds}`)
    if (raw.jitter !== undefined && typeof raw.jitter !== 'boolean')
      this.problem(`${path}/jitter`, 'must be a boolean')
  }

  taskType(raw: Json, path: string, key: string): void {
    if (typeof raw[key] !== 'string' || !taskTypePattern.test(raw[key]))
      this.problem(`${path}/${key}`, `must match ${taskTypePattern.source}`)
  }

  expression(raw: Json, path: string, key: string, required = false): void {
    const value = raw[key]
    if (value === undefined) {
      if (required) this.problem(`${path}/${key}`, 'is required (a JSONata expression)')
      return
    }
    if (typeof value !== 'string' || value.trim() === '' || value.length > maxExpressionLength)
      return this.problem(
        `${path}/${key}`,
        `must be a JSONata expression of 1 to ${maxExpressionLength} characters`,
      )
    try {
      compileExpression(value)
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      this.problem(`${path}/${key}`, `JSONata: ${error.message}`)
    }
  }

  seconds(raw: Json, path: string, key: string): void {
    if (raw[key] !== undefined && !isInteger(raw[key], 1, maxSeconds))
      this.problem(`${path}/${key}`, `must be an integer from 1 to ${maxSeconds}`)
  }

  optionalString(raw: Json, path: string, key: string, max: number): void {
    const value = raw[key]
    if (value !== undefined && (typeof value !== 'string' || value.length > max))
      this.problem(`${path}/${key}`, `must be a string of at most ${max} characters`)
  }

  keys(raw: Json, path: string, allowed: string[]): void {
    for (const key of Object.keys(raw))
      if (!allowed.includes(key)) this.problem(`${path}/${key}`, 'is not a known property here')
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isInteger(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max
}

function isNumber(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max
}
