/**
 * What an execution remembers between transitions. It is one JSON document, rewritten by each transition in the
 * same SQL transaction as the history rows that record the change; nothing about an execution lives only in memory.
 */
export const terminalStatuses = ['completed', 'failed', 'cancelled', 'timed_out'] as const
export type ExecutionStatus = 'running' | 'paused' | 'compensating' | (typeof terminalStatuses)[number]

export function isTerminal(status: ExecutionStatus): boolean {
  return (terminalStatuses as readonly string[]).includes(status)
}

export type StepStatus =
  'running' | 'waiting' | 'retrying' | 'completed' | 'failed' | 'skipped' | 'cancelled' | 'compensated'

export interface StepError {
  code: string
  message: string
}

export interface StepState {
  status: StepStatus
  attempt: number
  input?: unknown
  output?: unknown
  error?: StepError
  taskId?: string
  childId?: string
  /** switch: the case taken, -1 for the default, -2 for none. */
  branch?: number
  /** loop: the iteration running, from 1. */
  iteration?: number
  /** When a wait ends or the next attempt starts. */
  wakeAt?: number
  /** When the current attempt times out. */
  deadlineAt?: number
  /**
   * A task run in-process by the node that created it has no row while this is set: the time its lease ends. If
   * the node has not finished it by then, the timer sweep on any node writes it as a queued task (write-plan.ts).
   */
  lease?: number
  startedAt: number
  endedAt?: number
}

export interface CompensationState {
  /** Step ids still to compensate, next first (reverse completion order). */
  queue: string[]
  final: 'failed' | 'cancelled' | 'timed_out'
  error: StepError
  taskId?: string
  attempt: number
  wakeAt?: number
}

export interface ExecutionState {
  variables: Record<string, unknown>
  steps: Record<string, StepState>
  /** Steps with a compensation, in the order they completed. */
  completed: string[]
  /** Signals that arrived with no wait step for them yet, oldest first. */
  signals: Record<string, unknown[]>
  compensation?: CompensationState
}

export function initialState(variables: Record<string, unknown> | undefined): ExecutionState {
  return { variables: { ...variables }, steps: {}, completed: [], signals: {} }
}
