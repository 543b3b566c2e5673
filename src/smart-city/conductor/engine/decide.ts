import { stepIndexOf, type StepIndex } from '../definitions/step-index.js'
import type { StepDefinition, TaskStep, WorkflowDefinition } from '../definitions/types.js'
import { evaluate, ExpressionError } from './expressions.js'
import { noRetry, retryDelayMs } from './retry.js'
import {
  type ExecutionState,
  type ExecutionStatus,
  isTerminal,
  type StepError,
  type StepState,
  type StepStatus,
} from './state.js'

/**
 * The interpreter: given an execution's definition and state, one event and the time, it changes the state and
 * says what must happen outside it (effects) and what to record (history). It does no I/O, so one transition is
 * exactly what one SQL transaction persists, and every node reaches the same decision from the same rows.
 */
export type Effect =
  | {
      kind: 'create-task'
      taskId: string
      type: string
      input: unknown
      stepId: string
      attempt: number
      purpose: 'step' | 'compensation'
    }
  | { kind: 'cancel-task'; taskId: string }
  | {
      kind: 'start-child'
      childId: string
      workflow: string
      version?: number
      input: unknown
      stepId: string
    }
  | { kind: 'cancel-child'; childId: string }

export interface HistoryEntry {
  type: string
  stepId?: string
  data?: Record<string, unknown>
}

export type ExecutionEvent =
  | { kind: 'start' }
  | { kind: 'timer' }
  | { kind: 'task-completed'; taskId: string; stepId: string; purpose: string; output: unknown }
  | {
      kind: 'task-failed'
      taskId: string
      stepId: string
      purpose: string
      error: StepError
      retryable: boolean
    }
  | { kind: 'child-finished'; childId: string; status: ExecutionStatus; output: unknown; error?: StepError }
  | { kind: 'signal'; name: string; payload: unknown }
  | { kind: 'human-completed'; stepId: string; output: unknown }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel'; reason: string }
  | { kind: 'retry' }
  | { kind: 'skip'; stepId: string; output: unknown }

export interface ExecutionSnapshot {
  id: string
  status: ExecutionStatus
  input: unknown
  state: ExecutionState
  output?: unknown
  error?: StepError
  deadlineAt?: number
}

/** A refusal of the event (e.g. resuming a running execution); the transition is not persisted. */
export class TransitionRefused extends Error {
  constructor(
    readonly reason: 'execution' | 'step' | 'step-not-found',
    readonly details: Record<string, unknown>,
  ) {
    super(`transition refused: ${reason}`)
  }
}

export interface DecisionInput {
  definition: WorkflowDefinition
  execution: ExecutionSnapshot
  /** Applied in order, then the execution advances once. */
  events: ExecutionEvent[]
  now: number
  newId: (prefix: string) => string
}

export interface DecisionResult {
  execution: ExecutionSnapshot
  effects: Effect[]
  history: HistoryEntry[]
  wakeAt: number | undefined
}

type Outcome =
  | { kind: 'done'; output: unknown }
  | { kind: 'blocked' }
  | { kind: 'failed'; error: StepError; stepId: string }
  | { kind: 'terminated'; status: 'completed' | 'failed'; output: unknown; reason?: string }

const done = (output: unknown): Outcome => ({ kind: 'done', output })
const blocked: Outcome = { kind: 'blocked' }
const maxLoopSpins = 10_000

export async function decide(input: DecisionInput): Promise<DecisionResult> {
  const decision = new Decision(input)
  await decision.run(input.events)
  return decision.result()
}

class Decision {
  private readonly definition: WorkflowDefinition
  private readonly index: StepIndex
  private readonly execution: ExecutionSnapshot
  private readonly state: ExecutionState
  private readonly now: number
  private readonly newId: (prefix: string) => string
  private readonly effects: Effect[] = []
  private readonly history: HistoryEntry[] = []
  private spins = 0

  constructor(input: DecisionInput) {
    this.definition = input.definition
    this.index = stepIndexOf(input.definition)
    // The snapshot is the caller's to give away (freshly parsed from its row), so it is changed in place.
    this.execution = input.execution
    this.state = this.execution.state
    this.now = input.now
    this.newId = input.newId
  }

  result(): DecisionResult {
    return { execution: this.execution, effects: this.effects, history: this.history, wakeAt: this.wakeAt() }
  }

  async run(events: ExecutionEvent[]): Promise<void> {
    for (const event of events) this.apply(event)
    await this.advance()
  }

  private record(type: string, stepId?: string, data?: Record<string, unknown>): void {
    this.history.push({ type, ...(stepId === undefined ? {} : { stepId }), ...(data ? { data } : {}) })
  }

  private refuse(operation: string): never {
    throw new TransitionRefused('execution', { status: this.execution.status, operation })
  }

  // ---- events -------------------------------------------------------------------------------------------------

  private apply(event: ExecutionEvent): void {
    const status = this.execution.status
    switch (event.kind) {
      case 'start':
        return this.record('workflow.started', undefined, { input: this.execution.input })
      case 'timer':
        return
      case 'task-completed':
        return event.purpose === 'compensation'
          ? this.compensationTaskFinished(event.taskId, undefined)
          : this.taskCompleted(event.stepId, event.taskId, event.output)
      case 'task-failed':
        return event.purpose === 'compensation'
          ? this.compensationTaskFinished(event.taskId, event.error)
          : this.taskFailed(event.stepId, event.taskId, event.error, event.retryable)
      case 'child-finished':
        return this.childFinished(event)
      case 'signal':
        if (isTerminal(status) || status === 'compensating') this.refuse('signal')
        return this.signal(event.name, event.payload)
      case 'human-completed':
        if (isTerminal(status) || status === 'compensating') this.refuse('complete a step')
        return this.humanCompleted(event.stepId, event.output)
      case 'pause':
        if (status !== 'running') this.refuse('pause')
        this.execution.status = 'paused'
        return this.record('workflow.paused')
      case 'resume':
        if (status !== 'paused') this.refuse('resume')
        this.execution.status = 'running'
        return this.record('workflow.resumed')
      case 'cancel':
        if (isTerminal(status) || status === 'compensating') this.refuse('cancel')
        this.record('workflow.cancel_requested', undefined, { reason: event.reason })
        return this.fail('cancelled', { code: 'CANCELLED', message: event.reason })
      case 'retry':
        if (status !== 'failed' && status !== 'timed_out') this.refuse('retry')
        return this.reopen('workflow.retried')
      case 'skip':
        return this.skip(event.stepId, event.output)
    }
  }

  private stepState(stepId: string): StepState | undefined {
    return this.state.steps[stepId]
  }

  private taskCompleted(stepId: string, taskId: string, output: unknown): void {
    const s = this.stepState(stepId)
    if (!s || s.taskId !== taskId || s.status !== 'running') {
      return this.record('task.ignored', stepId, { taskId, reason: 'not the current attempt' })
    }
    this.complete(stepId, s, output)
  }

  private taskFailed(stepId: string, taskId: string, error: StepError, retryable: boolean): void {
    const s = this.stepState(stepId)
    if (!s || s.taskId !== taskId || s.status !== 'running') {
      return this.record('task.ignored', stepId, { taskId, reason: 'not the current attempt' })
    }
    const step = this.index.byId.get(stepId) as TaskStep
    this.attemptFailed(step, s, error, retryable)
  }

  private attemptFailed(step: TaskStep, s: StepState, error: StepError, retryable: boolean): void {
    const policy = step.retry ?? noRetry
    delete s.taskId
    delete s.deadlineAt
    if (retryable && s.attempt < policy.maxAttempts) {
      s.status = 'retrying'
      s.error = error
      s.wakeAt = this.now + retryDelayMs(policy, s.attempt)
      this.record('step.retry_scheduled', step.id, { attempt: s.attempt, error, at: s.wakeAt })
      return
    }
    this.failStep(step.id, s, error)
  }

  private childFinished(event: Extract<ExecutionEvent, { kind: 'child-finished' }>): void {
    const entry = Object.entries(this.state.steps).find(([, s]) => s.childId === event.childId)
    if (!entry || entry[1].status !== 'running') return
    const [stepId, s] = entry
    if (event.status === 'completed') return this.complete(stepId, s, event.output)
    this.failStep(
      stepId,
      s,
      event.error ?? { code: 'SUBWORKFLOW_FAILED', message: `sub-workflow ${event.status}` },
    )
  }

  private signal(name: string, payload: unknown): void {
    this.record('signal.received', undefined, { name, payload })
    for (const [stepId, s] of Object.entries(this.state.steps)) {
      const step = this.index.byId.get(stepId)
      if (step?.type === 'wait' && step.signal === name && s.status === 'waiting') {
        return this.complete(stepId, s, payload)
      }
    }
    ;(this.state.signals[name] ??= []).push(payload)
  }

  private humanCompleted(stepId: string, output: unknown): void {
    const step = this.index.byId.get(stepId)
    if (!step) throw new TransitionRefused('step-not-found', { stepId })
    const s = this.stepState(stepId)
    if (step.type !== 'human' || s?.status !== 'waiting') {
      throw new TransitionRefused('step', {
        stepId,
        status: s?.status ?? 'not started',
        operation: 'complete',
      })
    }
    this.complete(stepId, s, output)
  }

  private skip(stepId: string, output: unknown): void {
    const step = this.index.byId.get(stepId)
    if (!step) throw new TransitionRefused('step-not-found', { stepId })
    const status = this.execution.status
    if (status === 'compensating' || status === 'completed' || status === 'cancelled')
      this.refuse('skip a step')
    const s = this.stepState(stepId)
    if (s && !['running', 'waiting', 'retrying', 'failed'].includes(s.status)) {
      throw new TransitionRefused('step', { stepId, status: s.status, operation: 'skip' })
    }
    if (s) this.cancelWork(s)
    this.state.steps[stepId] = {
      ...(s ?? { attempt: 0, startedAt: this.now }),
      status: 'skipped',
      output,
      endedAt: this.now,
    }
    for (const nested of this.index.nested.get(stepId) ?? []) this.cancelStep(nested)
    this.record('step.skipped', stepId, { output })
    if (status === 'failed' || status === 'timed_out') this.reopen('workflow.resumed_after_skip')
  }

  /** Back to running from a failure: failed steps and compensated ones run again; composites keep their place. */
  private reopen(historyType: string): void {
    for (const [stepId, s] of Object.entries(this.state.steps)) {
      const step = this.index.byId.get(stepId)!
      const composite = step.type === 'switch' || step.type === 'parallel' || step.type === 'loop'
      if (s.status === 'failed' && composite) {
        s.status = 'running'
        delete s.error
      } else if (s.status === 'failed' || s.status === 'compensated' || s.status === 'cancelled') {
        delete this.state.steps[stepId]
      }
    }
    this.state.completed = this.state.completed.filter((id) => this.state.steps[id]?.status === 'completed')
    delete this.state.compensation
    delete this.execution.error
    this.execution.status = 'running'
    if (this.definition.timeoutSeconds)
      this.execution.deadlineAt = this.now + this.definition.timeoutSeconds * 1000
    this.record(historyType)
  }

  // ---- advancing ----------------------------------------------------------------------------------------------

  private async advance(): Promise<void> {
    const status = this.execution.status
    if (status === 'compensating') return this.compensate()
    if (status !== 'running') return
    if (this.execution.deadlineAt !== undefined && this.now >= this.execution.deadlineAt) {
      this.record('workflow.timed_out')
      this.fail('timed_out', { code: 'WORKFLOW_TIMED_OUT', message: 'the workflow ran past its timeout' })
      return this.advance()
    }
    const outcome = await this.sequence(this.definition.steps)
    switch (outcome.kind) {
      case 'blocked':
        return
      case 'done':
        return this.succeed(await this.workflowOutput(outcome.output))
      case 'failed':
        this.fail('failed', outcome.error)
        return this.advance()
      case 'terminated':
        if (outcome.status === 'completed') return this.succeed(outcome.output)
        this.execution.output = outcome.output
        this.fail('failed', { code: 'TERMINATED', message: outcome.reason ?? 'terminated by the workflow' })
        return this.advance()
    }
  }

  private async workflowOutput(lastOutput: unknown): Promise<unknown> {
    if (this.definition.output === undefined) return lastOutput
    try {
      return await evaluate(this.definition.output, this.context())
    } catch (error) {
      if (error instanceof ExpressionError) return { error: `output expression: ${error.message}` }
      throw error
    }
  }

  private succeed(output: unknown): void {
    this.cancelAllWork()
    this.execution.status = 'completed'
    this.execution.output = output
    this.record('workflow.completed', undefined, { output })
  }

  /** Stops what runs, then compensates completed steps in reverse order, or ends at once when there are none. */
  private fail(final: 'failed' | 'cancelled' | 'timed_out', error: StepError): void {
    this.cancelAllWork()
    this.execution.error = error
    const queue = [...this.state.completed]
      .reverse()
      .filter((id) => this.state.steps[id]?.status === 'completed')
    if (queue.length === 0) {
      this.execution.status = final
      this.record(`workflow.${final}`, undefined, { error })
      return
    }
    this.execution.status = 'compensating'
    this.state.compensation = { queue, final, error, attempt: 0 }
    this.record('compensation.started', undefined, { steps: queue, error })
  }

  private async sequence(steps: StepDefinition[]): Promise<Outcome> {
    let last: unknown = null
    for (const step of steps) {
      const outcome = await this.step(step)
      if (outcome.kind !== 'done') return outcome
      last = outcome.output
    }
    return done(last)
  }

  private async step(step: StepDefinition): Promise<Outcome> {
    let s = this.stepState(step.id)
    if (!s) {
      const entered = await this.enter(step)
      if ('kind' in entered) return entered
      s = entered
    }
    switch (s.status) {
      case 'completed':
      case 'skipped':
        return done(s.output ?? null)
      case 'failed':
        return step.optional ? done(null) : { kind: 'failed', error: s.error!, stepId: step.id }
      case 'cancelled':
      case 'compensated':
        return blocked
      case 'running':
      case 'waiting':
      case 'retrying':
        return this.progress(step, s)
    }
  }

  /** Starts a step; answers its new state, or an outcome when entering already decides it (errors, terminate). */
  private async enter(step: StepDefinition): Promise<StepState | Outcome> {
    let input: unknown
    try {
      input = step.input === undefined ? this.execution.input : await evaluate(step.input, this.context())
    } catch (error) {
      return this.expressionFailed(step, error, 'input')
    }
    const s: StepState = { status: 'running', attempt: 1, input, startedAt: this.now }
    this.state.steps[step.id] = s
    this.record('step.started', step.id, { type: step.type })
    if (step.timeoutSeconds !== undefined) s.deadlineAt = this.now + step.timeoutSeconds * 1000
    switch (step.type) {
      case 'task':
        this.scheduleTask(step, s)
        return s
      case 'switch':
        return this.chooseCase(step, s)
      case 'wait':
        return this.startWait(step, s)
      case 'human':
        s.status = 'waiting'
        return s
      case 'subworkflow':
        s.childId = this.newId('exe')
        this.effects.push({
          kind: 'start-child',
          childId: s.childId,
          workflow: step.workflow,
          ...(step.version === undefined ? {} : { version: step.version }),
          input,
          stepId: step.id,
        })
        this.record('subworkflow.started', step.id, { childId: s.childId, workflow: step.workflow })
        return s
      case 'loop':
        s.iteration = 1
        return s
      case 'parallel':
        return s
      case 'set':
        return this.setVariables(step, s)
      case 'terminate': {
        let output: unknown = null
        try {
          if (step.output !== undefined) output = await evaluate(step.output, this.context())
        } catch (error) {
          return this.expressionFailed(step, error, 'output')
        }
        this.complete(step.id, s, output)
        return {
          kind: 'terminated',
          status: step.status,
          output,
          ...(step.reason ? { reason: step.reason } : {}),
        }
      }
    }
  }

  private expressionFailed(step: StepDefinition, error: unknown, field: string): Outcome {
    if (!(error instanceof ExpressionError)) throw error
    const s = this.state.steps[step.id] ?? { status: 'running', attempt: 1, startedAt: this.now }
    this.state.steps[step.id] = s
    this.failStep(step.id, s, { code: 'EXPRESSION_FAILED', message: `${field}: ${error.message}` })
    return step.optional ? done(null) : { kind: 'failed', error: s.error!, stepId: step.id }
  }

  private scheduleTask(step: TaskStep, s: StepState): void {
    s.taskId = this.newId('task')
    s.status = 'running'
    if (step.timeoutSeconds !== undefined) s.deadlineAt = this.now + step.timeoutSeconds * 1000
    this.effects.push({
      kind: 'create-task',
      taskId: s.taskId,
      type: step.task,
      input: s.input,
      stepId: step.id,
      attempt: s.attempt,
      purpose: 'step',
    })
    this.record('task.scheduled', step.id, { taskId: s.taskId, type: step.task, attempt: s.attempt })
  }

  private async chooseCase(step: Extract<StepDefinition, { type: 'switch' }>, s: StepState) {
    try {
      s.branch = -2
      for (const [index, entry] of step.cases.entries()) {
        if (await evaluate(entry.when, this.context())) {
          s.branch = index
          break
        }
      }
      if (s.branch === -2 && step.default) s.branch = -1
    } catch (error) {
      return this.expressionFailed(step, error, 'when')
    }
    this.record('switch.chose', step.id, { case: s.branch })
    return s
  }

  private async startWait(step: Extract<StepDefinition, { type: 'wait' }>, s: StepState) {
    if (step.signal !== undefined) {
      const buffered = this.state.signals[step.signal]
      s.status = 'waiting'
      if (buffered && buffered.length > 0) {
        const payload = buffered.shift()
        if (buffered.length === 0) delete this.state.signals[step.signal]
        this.complete(step.id, s, payload)
      }
      return s
    }
    let wakeAt = this.now + (step.seconds ?? 0) * 1000
    if (step.until !== undefined) {
      try {
        wakeAt = instantOf(await evaluate(step.until, this.context()))
      } catch (error) {
        if (error instanceof RangeError) {
          this.failStep(step.id, s, { code: 'EXPRESSION_FAILED', message: `until: ${error.message}` })
          return s
        }
        return this.expressionFailed(step, error, 'until')
      }
    }
    s.status = 'waiting'
    s.wakeAt = wakeAt
    return s
  }

  private async setVariables(step: Extract<StepDefinition, { type: 'set' }>, s: StepState) {
    let value: unknown
    try {
      value = await evaluate(step.variables, this.context())
    } catch (error) {
      return this.expressionFailed(step, error, 'variables')
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.failStep(step.id, s, { code: 'EXPRESSION_FAILED', message: 'variables: must produce an object' })
      return s
    }
    Object.assign(this.state.variables, value)
    this.complete(step.id, s, value)
    return s
  }

  /** A started, unfinished step: check its clocks, then move composites along. */
  private async progress(step: StepDefinition, s: StepState): Promise<Outcome> {
    if (s.deadlineAt !== undefined && this.now >= s.deadlineAt && step.type !== 'task') {
      this.cancelStep(step.id)
      this.failStep(step.id, s, { code: 'STEP_TIMED_OUT', message: `step ${step.id} timed out` })
      return this.step(step)
    }
    switch (step.type) {
      case 'task':
        return this.progressTask(step, s)
      case 'wait':
        if (s.status === 'waiting' && s.wakeAt !== undefined && this.now >= s.wakeAt) {
          this.complete(step.id, s, { waitedUntil: new Date(s.wakeAt).toISOString() })
          return done(s.output)
        }
        return blocked
      case 'switch': {
        const branch = s.branch === -1 ? step.default! : s.branch! >= 0 ? step.cases[s.branch!]!.steps : []
        return this.composite(step, s, await this.sequence(branch))
      }
      case 'parallel':
        return this.parallel(step, s)
      case 'loop':
        return this.loop(step, s)
      case 'human':
      case 'subworkflow':
      case 'set':
      case 'terminate':
        return blocked
    }
  }

  private progressTask(step: TaskStep, s: StepState): Outcome | Promise<Outcome> {
    if (s.status === 'running' && s.deadlineAt !== undefined && this.now >= s.deadlineAt) {
      if (s.taskId) this.effects.push({ kind: 'cancel-task', taskId: s.taskId })
      this.record('step.timed_out', step.id, { attempt: s.attempt })
      this.attemptFailed(step, s, { code: 'STEP_TIMED_OUT', message: `attempt ${s.attempt} timed out` }, true)
      return this.step(step)
    }
    if (s.status === 'retrying' && s.wakeAt !== undefined && this.now >= s.wakeAt) {
      delete s.wakeAt
      s.attempt += 1
      this.scheduleTask(step, s)
    }
    return blocked
  }

  private composite(step: StepDefinition, s: StepState, outcome: Outcome): Outcome {
    if (outcome.kind === 'done') {
      this.complete(step.id, s, outcome.output)
      return outcome
    }
    if (outcome.kind === 'failed') {
      this.failStep(step.id, s, outcome.error)
      return step.optional ? done(null) : outcome
    }
    return outcome
  }

  private async parallel(step: Extract<StepDefinition, { type: 'parallel' }>, s: StepState) {
    const outcomes: Outcome[] = []
    for (const branch of step.branches) outcomes.push(await this.sequence(branch))
    const decisive =
      outcomes.find((o) => o.kind === 'terminated') ?? outcomes.find((o) => o.kind === 'failed')
    if (decisive) return this.composite(step, s, decisive)
    if (outcomes.some((o) => o.kind === 'blocked')) return blocked
    return this.composite(step, s, done(outcomes.map((o) => (o.kind === 'done' ? o.output : null))))
  }

  private async loop(step: Extract<StepDefinition, { type: 'loop' }>, s: StepState): Promise<Outcome> {
    for (;;) {
      const outcome = await this.sequence(step.steps)
      if (outcome.kind !== 'done') return this.composite(step, s, outcome)
      let again: unknown
      try {
        again = await evaluate(step.while, this.context({ iteration: s.iteration }))
      } catch (error) {
        return this.expressionFailed(step, error, 'while')
      }
      if (!again) return this.composite(step, s, done({ iterations: s.iteration }))
      if (s.iteration! >= step.maxIterations || ++this.spins > maxLoopSpins) {
        const message = `loop ${step.id} still wanted to run after ${s.iteration} iterations`
        return this.composite(step, s, {
          kind: 'failed',
          error: { code: 'LOOP_LIMIT', message },
          stepId: step.id,
        })
      }
      for (const nested of this.index.nested.get(step.id) ?? []) delete this.state.steps[nested]
      s.iteration! += 1
      this.record('loop.iteration', step.id, { iteration: s.iteration })
    }
  }

  // ---- step endings -------------------------------------------------------------------------------------------

  /**
   * Ends a step in `status`: it no longer has a task, a wake-up or a deadline. Fields are cleared to undefined, which
   * JSON leaves out just as it does absent ones, rather than deleted: a deleted property turns the object into a
   * slow dictionary for V8, and every later step's serialising of the state would walk it the slow way.
   */
  private end(s: StepState, status: StepStatus): void {
    s.status = status
    s.endedAt = this.now
    if (s.taskId !== undefined) s.taskId = undefined
    if (s.wakeAt !== undefined) s.wakeAt = undefined
    if (s.deadlineAt !== undefined) s.deadlineAt = undefined
  }

  private complete(stepId: string, s: StepState, output: unknown): void {
    this.end(s, 'completed')
    s.output = output
    if (s.error !== undefined) s.error = undefined
    const step = this.index.byId.get(stepId)
    if (step?.type === 'task' && step.compensate) this.state.completed.push(stepId)
    this.record('step.completed', stepId, { output })
  }

  private failStep(stepId: string, s: StepState, error: StepError): void {
    this.end(s, 'failed')
    s.error = error
    this.record('step.failed', stepId, { error, attempt: s.attempt })
  }

  private cancelWork(s: StepState): void {
    if (s.taskId) this.effects.push({ kind: 'cancel-task', taskId: s.taskId })
    if (s.childId && s.status === 'running') this.effects.push({ kind: 'cancel-child', childId: s.childId })
  }

  private cancelStep(stepId: string): void {
    const s = this.state.steps[stepId]
    if (!s || !['running', 'waiting', 'retrying'].includes(s.status)) return
    this.cancelWork(s)
    this.end(s, 'cancelled')
    this.record('step.cancelled', stepId)
  }

  private cancelAllWork(): void {
    for (const stepId of Object.keys(this.state.steps)) {
      const step = this.index.byId.get(stepId)!
      const composite = step.type === 'switch' || step.type === 'parallel' || step.type === 'loop'
      if (!composite) this.cancelStep(stepId)
    }
    for (const s of Object.values(this.state.steps)) if (s.status === 'running') s.status = 'cancelled'
  }

  // ---- compensation -------------------------------------------------------------------------------------------

  private compensationTaskFinished(taskId: string, error: StepError | undefined): void {
    const c = this.state.compensation
    if (!c || c.taskId !== taskId) return this.record('task.ignored', undefined, { taskId })
    const stepId = c.queue[0]!
    delete c.taskId
    if (error === undefined) {
      this.state.steps[stepId]!.status = 'compensated'
      this.record('compensation.step_completed', stepId)
      c.queue.shift()
      c.attempt = 0
      return
    }
    const step = this.index.byId.get(stepId) as TaskStep
    const policy = step.compensate!.retry ?? noRetry
    if (c.attempt < policy.maxAttempts) {
      c.wakeAt = this.now + retryDelayMs(policy, c.attempt)
      this.record('compensation.retry_scheduled', stepId, { attempt: c.attempt, error, at: c.wakeAt })
      return
    }
    this.execution.status = 'failed'
    this.execution.error = {
      code: 'COMPENSATION_FAILED',
      message: `compensating ${stepId} failed: ${error.message}`,
    }
    delete this.state.compensation
    this.record('compensation.failed', stepId, { error })
    this.record('workflow.failed', undefined, { error: this.execution.error })
  }

  private async compensate(): Promise<void> {
    const c = this.state.compensation!
    if (c.taskId !== undefined) return
    if (c.wakeAt !== undefined && this.now < c.wakeAt) return
    const stepId = c.queue[0]
    if (stepId === undefined) {
      this.execution.status = c.final
      this.execution.error = c.error
      delete this.state.compensation
      this.record(`workflow.${c.final}`, undefined, { error: c.error, compensated: true })
      return
    }
    const step = this.index.byId.get(stepId) as TaskStep
    const s = this.state.steps[stepId]!
    let input: unknown = { input: s.input, output: s.output }
    try {
      if (step.compensate!.input !== undefined) {
        input = await evaluate(
          step.compensate!.input,
          this.context({ step: { input: s.input, output: s.output } }),
        )
      }
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      c.attempt = Number.MAX_SAFE_INTEGER
      c.taskId = 'expression'
      return this.compensationTaskFinished('expression', {
        code: 'EXPRESSION_FAILED',
        message: error.message,
      })
    }
    delete c.wakeAt
    c.attempt += 1
    c.taskId = this.newId('task')
    this.effects.push({
      kind: 'create-task',
      taskId: c.taskId,
      type: step.compensate!.task,
      input,
      stepId,
      attempt: c.attempt,
      purpose: 'compensation',
    })
    this.record('compensation.scheduled', stepId, { taskId: c.taskId, attempt: c.attempt })
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private context(extra?: Record<string, unknown>): Record<string, unknown> {
    const steps: Record<string, unknown> = {}
    for (const [id, s] of Object.entries(this.state.steps)) {
      steps[id] = { output: s.output ?? null, status: s.status, attempt: s.attempt, input: s.input ?? null }
    }
    return {
      input: this.execution.input,
      steps,
      variables: this.state.variables,
      execution: { id: this.execution.id, workflow: this.definition.name, version: this.definition.version },
      ...extra,
    }
  }

  /** The earliest time something is due: a wait, a retry, an attempt or step timeout, the workflow timeout. */
  private wakeAt(): number | undefined {
    const status = this.execution.status
    if (isTerminal(status)) return undefined
    let earliest = status === 'running' ? this.execution.deadlineAt : undefined
    const consider = (at: number | undefined) => {
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at
    }
    if (status === 'compensating') consider(this.state.compensation?.wakeAt)
    if (status === 'running') {
      for (const s of Object.values(this.state.steps)) {
        if (s.status === 'running' || s.status === 'waiting' || s.status === 'retrying') {
          consider(s.wakeAt)
          consider(s.deadlineAt)
        }
      }
    }
    return earliest
  }
}

/** An ISO 8601 date-time or epoch milliseconds, as a wait's `until` gives it. */
function instantOf(value: unknown): number {
  const at = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (!Number.isFinite(at))
    throw new RangeError(`"${String(value)}" is not a date-time or epoch milliseconds`)
  return at
}
