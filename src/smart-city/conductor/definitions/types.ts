/**
 * The native workflow definition: JSON, versioned per tenant and name. Expressions (conditions, input and output
 * mappings) are JSONata, evaluated over `{input, steps: {<id>: {output, status, attempt}}, variables, execution}`
 * plus `iteration` inside a loop and `step: {input, output}` inside a compensation's input mapping.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 means no retry. */
  maxAttempts: number
  backoff: 'fixed' | 'exponential'
  delaySeconds: number
  /** Caps the exponential delay; no cap when absent. */
  maxDelaySeconds?: number
  /** Each delay is drawn uniformly from [delay / 2, delay] instead of being exact. */
  jitter?: boolean
}

interface StepBase {
  id: string
  /** JSONata producing the step's input; the workflow input when absent. */
  input?: string
  /** A failure of an optional step does not fail the workflow. */
  optional?: boolean
  /** Per attempt, counted from when the attempt is scheduled (tasks) or entered (waits, human steps). */
  timeoutSeconds?: number
}

export interface Compensation {
  task: string
  input?: string
  retry?: RetryPolicy
}

export interface TaskStep extends StepBase {
  type: 'task'
  /** A task type: an in-process handler registered on some node, or a queue remote workers poll. */
  task: string
  retry?: RetryPolicy
  compensate?: Compensation
}

export interface SwitchStep extends StepBase {
  type: 'switch'
  cases: { when: string; steps: StepDefinition[] }[]
  default?: StepDefinition[]
}

export interface ParallelStep extends StepBase {
  type: 'parallel'
  branches: StepDefinition[][]
}

export interface WaitStep extends StepBase {
  type: 'wait'
  seconds?: number
  /** JSONata giving an ISO 8601 date-time or epoch milliseconds. */
  until?: string
  signal?: string
}

export interface SubworkflowStep extends StepBase {
  type: 'subworkflow'
  workflow: string
  /** Pinned when given; the latest version at the time the step starts otherwise. */
  version?: number
}

export interface HumanStep extends StepBase {
  type: 'human'
  description?: string
}

/** Runs its steps, then again while `while` holds, at most `maxIterations` times (a do-while). */
export interface LoopStep extends StepBase {
  type: 'loop'
  steps: StepDefinition[]
  while: string
  maxIterations: number
}

export interface SetStep extends StepBase {
  type: 'set'
  /** JSONata giving an object merged into the workflow variables. */
  variables: string
}

export interface TerminateStep extends StepBase {
  type: 'terminate'
  status: 'completed' | 'failed'
  output?: string
  reason?: string
}

export type StepDefinition =
  | TaskStep
  | SwitchStep
  | ParallelStep
  | WaitStep
  | SubworkflowStep
  | HumanStep
  | LoopStep
  | SetStep
  | TerminateStep

export type StepType = StepDefinition['type']

export const stepTypes: readonly StepType[] = [
  'task',
  'switch',
  'parallel',
  'wait',
  'subworkflow',
  'human',
  'loop',
  'set',
  'terminate',
]

export interface WorkflowSpec {
  name: string
  description?: string
  timeoutSeconds?: number
  /** JSONata producing the workflow output; the last top-level step's output when absent. */
  output?: string
  variables?: Record<string, unknown>
  steps: StepDefinition[]
}

export interface WorkflowDefinition extends WorkflowSpec {
  version: number
}
