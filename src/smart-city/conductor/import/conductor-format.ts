import type { RetryPolicy, StepDefinition } from '../definitions/types.js'
import { stepIdPattern } from '../definitions/validate.js'
import { conductorErrors } from '../errors.js'
import { javascriptToJsonata, UnsupportedExpression } from './javascript-conditions.js'
import { jsonataPath, UnsupportedReference, valueToJsonata } from './references.js'

/**
 * Turns a Netflix/Orkes Conductor WorkflowDef into a native definition. Supported: SIMPLE, SWITCH (value-param and
 * the JavaScript subset of javascript-conditions.ts), DECISION, FORK_JOIN + JOIN, DO_WHILE, SUB_WORKFLOW, WAIT,
 * HUMAN, TERMINATE, SET_VARIABLE, NOOP; `${...}` references; retry and timeout fields of inline `taskDefinition`s
 * or of TaskDefs passed alongside as `taskDefs`. Everything else is collected and refused together, by task.
 */
type Json = Record<string, unknown>

export interface ImportResult {
  definition: Json
  notes: string[]
}

interface Context {
  refs: Map<string, string>
  taskDefs: Map<string, Json>
  unsupported: string[]
  notes: string[]
}

const maxLoopIterations = 1000

export function importConductorWorkflow(raw: unknown): ImportResult {
  if (!isObject(raw) || !Array.isArray(raw.tasks)) {
    throw conductorErrors.IMPORT_UNSUPPORTED({
      unsupported: ['the body must be a WorkflowDef with a tasks array'],
    })
  }
  const context: Context = { refs: new Map(), taskDefs: new Map(), unsupported: [], notes: [] }
  for (const def of Array.isArray(raw.taskDefs) ? raw.taskDefs : []) {
    if (isObject(def) && typeof def.name === 'string') context.taskDefs.set(def.name, def)
  }
  collectRefs(raw.tasks, context)
  const steps = sequence(raw.tasks, context)
  const definition: Json = { name: workflowName(text(raw.name)), steps }
  if (typeof raw.description === 'string') definition.description = raw.description.slice(0, 2000)
  if (isObject(raw.variables) && Object.keys(raw.variables).length > 0) definition.variables = raw.variables
  if (isObject(raw.outputParameters) && Object.keys(raw.outputParameters).length > 0) {
    definition.output = convert(raw.outputParameters, context, 'outputParameters')
  }
  workflowTimeout(raw, definition, context)
  if (typeof raw.failureWorkflow === 'string' && raw.failureWorkflow !== '') {
    context.unsupported.push('workflow: failureWorkflow (use per-step compensate instead)')
  }
  if (isObject(raw.inputTemplate) && Object.keys(raw.inputTemplate).length > 0) {
    context.unsupported.push('workflow: inputTemplate')
  }
  if (context.unsupported.length > 0)
    throw conductorErrors.IMPORT_UNSUPPORTED({ unsupported: context.unsupported })
  return { definition, notes: context.notes }
}

function workflowTimeout(raw: Json, definition: Json, context: Context): void {
  const seconds = Number(raw.timeoutSeconds ?? 0)
  if (!(seconds > 0)) return
  if (raw.timeoutPolicy === 'TIME_OUT_WF') definition.timeoutSeconds = Math.trunc(seconds)
  else
    context.notes.push(
      'workflow: timeoutSeconds with timeoutPolicy ALERT_ONLY only alerts in Conductor; not imported',
    )
}

function workflowName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .slice(0, 64)
  return /^[a-z]/.test(cleaned) ? cleaned : `w${cleaned}`.slice(0, 64)
}

function collectRefs(tasks: unknown, context: Context): void {
  if (!Array.isArray(tasks)) return
  for (const task of tasks) {
    if (!isObject(task)) continue
    const ref = text(task.taskReferenceName)
    if (ref !== '') {
      const id = stepIdPattern.test(ref) ? ref : `t_${ref.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 64)
      if ([...context.refs.values()].includes(id))
        context.unsupported.push(`${ref}: reference name used twice`)
      context.refs.set(ref, id)
    }
    const nestedLists: unknown[] = [
      ...Object.values(isObject(task.decisionCases) ? task.decisionCases : {}),
      task.defaultCase,
      task.loopOver,
      ...(Array.isArray(task.forkTasks) ? (task.forkTasks as unknown[]) : []),
    ]
    for (const nested of nestedLists) {
      collectRefs(nested, context)
    }
  }
}

function sequence(tasks: unknown, context: Context): StepDefinition[] {
  if (!Array.isArray(tasks)) return []
  const steps: StepDefinition[] = []
  for (let index = 0; index < tasks.length; index++) {
    const task: unknown = tasks[index]
    if (!isObject(task)) {
      context.unsupported.push(`tasks[${index}]: not an object`)
      continue
    }
    const step = convertTask(task, context)
    if (step) steps.push(step)
    if (task.type === 'FORK_JOIN' || task.type === 'FORK') {
      const join: unknown = tasks[index + 1]
      if (isObject(join) && join.type === 'JOIN') {
        joinCovers(task, join, context)
        index++
      } else {
        context.unsupported.push(`${refOf(task)}: FORK_JOIN must be followed by a JOIN`)
      }
    }
  }
  return steps
}

function joinCovers(fork: Json, join: Json, context: Context): void {
  const branches = Array.isArray(fork.forkTasks) ? fork.forkTasks : []
  const lastRefs = branches.map((b) =>
    Array.isArray(b) && isObject(b.at(-1)) ? refOf(b.at(-1) as Json) : '',
  )
  const joinOn = Array.isArray(join.joinOn) ? join.joinOn.map(String) : lastRefs
  if (!lastRefs.every((ref) => joinOn.includes(ref))) {
    context.unsupported.push(`${refOf(join)}: JOIN on only some branches (joinOn) — every branch is joined`)
  }
  if (join.joinStatus !== undefined) context.unsupported.push(`${refOf(join)}: JOIN joinStatus`)
}

function convertTask(task: Json, context: Context): StepDefinition | undefined {
  const ref = refOf(task)
  const id = context.refs.get(ref)
  if (id === undefined) {
    context.unsupported.push(`${ref || text(task.name, 'a task')}: taskReferenceName is required`)
    return undefined
  }
  const type = text(task.type, 'SIMPLE')
  if (Number(task.startDelay ?? 0) > 0) context.unsupported.push(`${ref}: startDelay`)
  const base = { id, ...(task.optional === true ? { optional: true } : {}) }
  const params = isObject(task.inputParameters) ? task.inputParameters : {}
  const input = () => (Object.keys(params).length > 0 ? { input: convert(params, context, ref) } : {})
  switch (type) {
    case 'SIMPLE':
      return { ...base, type: 'task', task: String(task.name), ...input(), ...retryAndTimeout(task, context) }
    case 'SWITCH':
    case 'DECISION':
      return switchStep(task, base, context)
    case 'FORK_JOIN':
    case 'FORK':
      return {
        ...base,
        type: 'parallel',
        branches: (Array.isArray(task.forkTasks) ? task.forkTasks : []).map((b) => sequence(b, context)),
      }
    case 'DO_WHILE':
      return loopStep(task, base, context)
    case 'SUB_WORKFLOW':
      return subWorkflow(task, base, context)
    case 'WAIT':
      return waitStep(params, base, context, ref)
    case 'HUMAN':
      return {
        ...base,
        type: 'human',
        ...(typeof task.description === 'string' ? { description: task.description } : {}),
      }
    case 'TERMINATE': {
      const status = text(params.terminationStatus, 'COMPLETED') === 'COMPLETED' ? 'completed' : 'failed'
      const output =
        params.workflowOutput === undefined ? {} : { output: convert(params.workflowOutput, context, ref) }
      const reason = typeof params.terminationReason === 'string' ? { reason: params.terminationReason } : {}
      return { ...base, type: 'terminate', status, ...output, ...reason }
    }
    case 'SET_VARIABLE':
      return { ...base, type: 'set', variables: convert(params, context, ref) }
    case 'NOOP':
      return { ...base, type: 'set', variables: '{}' }
    default:
      context.unsupported.push(`${ref}: task type ${type}`)
      return undefined
  }
}

function switchStep(task: Json, base: { id: string }, context: Context): StepDefinition | undefined {
  const ref = refOf(task)
  const params = isObject(task.inputParameters) ? task.inputParameters : {}
  let value: string | undefined
  try {
    if (task.type === 'DECISION' && typeof task.caseValueParam === 'string') {
      value = convert(params[task.caseValueParam] ?? null, context, ref)
    } else if (task.type === 'DECISION' && typeof task.caseExpression === 'string') {
      value = javascriptToJsonata(task.caseExpression, parameterPath(params, context, ref))
    } else if (
      (task.evaluatorType ?? 'value-param') === 'value-param' &&
      typeof task.expression === 'string'
    ) {
      value = convert(params[task.expression] ?? null, context, ref)
    } else if (
      ['javascript', 'graaljs'].includes(String(task.evaluatorType)) &&
      typeof task.expression === 'string'
    ) {
      value = javascriptToJsonata(task.expression, parameterPath(params, context, ref))
    } else {
      context.unsupported.push(`${ref}: switch evaluator ${String(task.evaluatorType)}`)
      return undefined
    }
  } catch (error) {
    if (!(error instanceof UnsupportedExpression)) throw error
    context.unsupported.push(`${ref}: expression (${error.message})`)
    return undefined
  }
  const cases = Object.entries(isObject(task.decisionCases) ? task.decisionCases : {}).map(
    ([key, tasks]) => ({
      when: `$string(${value}) = ${JSON.stringify(key)}`,
      steps: sequence(tasks, context),
    }),
  )
  const defaultCase = sequence(task.defaultCase, context)
  if (cases.length === 0) return { ...base, type: 'set', variables: '{}' }
  return { ...base, type: 'switch', cases, ...(defaultCase.length > 0 ? { default: defaultCase } : {}) }
}

function loopStep(task: Json, base: { id: string }, context: Context): StepDefinition | undefined {
  const ref = refOf(task)
  const params = isObject(task.inputParameters) ? task.inputParameters : {}
  if (task.items !== undefined || params.items !== undefined)
    context.unsupported.push(`${ref}: DO_WHILE items`)
  const toParam = parameterPath(params, context, ref)
  let condition: string
  try {
    condition = javascriptToJsonata(text(task.loopCondition), (segments) => {
      const [head, ...rest] = segments
      if (head === ref && rest[0] === 'iteration') return 'iteration'
      const stepId = head === undefined ? undefined : context.refs.get(head)
      if (stepId !== undefined) return jsonataPath(['steps', stepId, 'output', ...rest])
      return toParam(segments)
    })
  } catch (error) {
    if (!(error instanceof UnsupportedExpression) && !(error instanceof UnsupportedReference)) throw error
    context.unsupported.push(`${ref}: loopCondition (${error.message})`)
    return undefined
  }
  return {
    ...base,
    type: 'loop',
    while: condition,
    maxIterations: maxLoopIterations,
    steps: sequence(task.loopOver, context),
  }
}

function subWorkflow(task: Json, base: { id: string }, context: Context): StepDefinition | undefined {
  const ref = refOf(task)
  const param = isObject(task.subWorkflowParam) ? task.subWorkflowParam : {}
  if (param.workflowDefinition !== undefined) {
    context.unsupported.push(`${ref}: inline subWorkflowParam.workflowDefinition`)
    return undefined
  }
  const params = isObject(task.inputParameters) ? task.inputParameters : {}
  const version = Number(param.version)
  return {
    ...base,
    type: 'subworkflow',
    workflow: workflowName(text(param.name)),
    ...(Number.isInteger(version) && version > 0 ? { version } : {}),
    ...(Object.keys(params).length > 0 ? { input: convert(params, context, ref) } : {}),
  }
}

function waitStep(params: Json, base: { id: string }, context: Context, ref: string): StepDefinition {
  if (typeof params.duration === 'string') {
    const seconds = durationSeconds(params.duration)
    if (seconds !== undefined) return { ...base, type: 'wait', seconds }
    context.unsupported.push(`${ref}: WAIT duration "${params.duration}"`)
  } else if (typeof params.until === 'string') {
    if (params.until.includes('${'))
      return { ...base, type: 'wait', until: convert(params.until, context, ref) }
    const at = untilInstant(params.until)
    if (at !== undefined) return { ...base, type: 'wait', until: JSON.stringify(at) }
    context.unsupported.push(`${ref}: WAIT until "${params.until}" (use ISO 8601 or "yyyy-MM-dd HH:mm UTC")`)
  }
  // A WAIT with neither is completed from outside, which is what a human step is.
  return { ...base, type: 'human' }
}

function retryAndTimeout(task: Json, context: Context): { retry?: RetryPolicy; timeoutSeconds?: number } {
  const def = isObject(task.taskDefinition) ? task.taskDefinition : context.taskDefs.get(String(task.name))
  if (!def) return {}
  const ref = refOf(task)
  const result: { retry?: RetryPolicy; timeoutSeconds?: number } = {}
  const retries = Number(task.retryCount ?? def.retryCount ?? 3)
  const logic = text(def.retryLogic, 'FIXED')
  if (logic !== 'FIXED' && logic !== 'EXPONENTIAL_BACKOFF')
    context.unsupported.push(`${ref}: retryLogic ${logic}`)
  if (retries > 0) {
    const maxDelay = Number(def.maxRetryDelaySeconds ?? 0)
    result.retry = {
      maxAttempts: Math.min(100, retries + 1),
      backoff: logic === 'EXPONENTIAL_BACKOFF' ? 'exponential' : 'fixed',
      delaySeconds: Number(def.retryDelaySeconds ?? 60),
      ...(maxDelay > 0 ? { maxDelaySeconds: maxDelay } : {}),
      ...(Number(def.backoffJitterMs ?? 0) > 0 ? { jitter: true } : {}),
    }
  }
  const timeout = Number(def.timeoutSeconds ?? 0)
  if (timeout > 0) result.timeoutSeconds = Math.trunc(timeout)
  if (def.timeoutPolicy === 'ALERT_ONLY' && timeout > 0) {
    context.unsupported.push(`${ref}: timeoutPolicy ALERT_ONLY`)
  }
  if (Number(def.totalTimeoutSeconds ?? 0) > 0) context.unsupported.push(`${ref}: totalTimeoutSeconds`)
  return result
}

function parameterPath(params: Json, context: Context, ref: string) {
  return (segments: string[]): string => {
    const [head, ...rest] = segments
    if (head === undefined || !(head in params)) {
      throw new UnsupportedExpression(`$.${segments.join('.')} names no input parameter of ${ref}`)
    }
    const base = `(${convert(params[head], context, ref)})`
    return rest.length === 0 ? base : `${base}.${jsonataPath(rest)}`
  }
}

function convert(value: unknown, context: Context, ref: string): string {
  try {
    return valueToJsonata(value, context.refs)
  } catch (error) {
    if (!(error instanceof UnsupportedReference)) throw error
    context.unsupported.push(`${ref}: ${error.message}`)
    return 'null'
  }
}

/** Conductor durations such as "30s", "5 minutes", "2 days 3 hours 10 mins". */
export function durationSeconds(text: string): number | undefined {
  const units: Record<string, number> = {
    s: 1,
    sec: 1,
    second: 1,
    m: 60,
    min: 60,
    minute: 60,
    h: 3600,
    hr: 3600,
    hour: 3600,
    d: 86400,
    day: 86400,
  }
  let total = 0
  let matched = ''
  for (const part of text.matchAll(/(\d+)\s*([a-zA-Z]+)/g)) {
    const unit = part[2]!.toLowerCase()
    const factor = units[unit] ?? units[unit.replace(/s$/, '')]
    if (factor === undefined) return undefined
    total += Number(part[1]) * factor
    matched += part[0]
  }
  return matched.replace(/\s/g, '') === text.replace(/\s/g, '') && matched !== '' ? total : undefined
}

function untilInstant(text: string): string | undefined {
  const conductorForm = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}))?(?: (UTC|GMT|Z))?$/.exec(text.trim())
  const iso = conductorForm ? `${conductorForm[1]}T${conductorForm[2] ?? '00:00'}:00Z` : text
  const at = Date.parse(iso)
  return Number.isFinite(at) && (conductorForm || /T.*(Z|[+-]\d{2}:?\d{2})$/.test(text))
    ? new Date(at).toISOString()
    : undefined
}

function refOf(task: Json): string {
  return text(task.taskReferenceName)
}

function text(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
