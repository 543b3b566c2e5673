import { defineErrors } from '../../kernel/error-catalogue.js'

export const conductorErrors = defineErrors('conductor', {
  DEFINITION_INVALID: {
    kind: 'invalid',
    message: 'The workflow definition is not valid: {problems}',
    description:
      'Each entry of `details.problems` names a JSON pointer into the definition and what is wrong there.',
  },
  WORKFLOW_NOT_FOUND: {
    kind: 'not_found',
    message: 'No workflow {name}{version}.',
    description:
      'No definition of that name (and version) exists in your tenant; create it with POST /workflows.',
  },
  WORKFLOW_VERSION_EXISTS: {
    kind: 'conflict',
    message: 'Workflow {name} already has version {version}.',
    description: 'Versions are immutable once created; omit `version` to create the next one.',
  },
  EXECUTION_NOT_FOUND: {
    kind: 'not_found',
    message: 'No execution {id}.',
    description: 'The execution does not exist or belongs to another tenant.',
  },
  EXECUTION_STATE_CONFLICT: {
    kind: 'conflict',
    message: 'The execution is {status}; {operation} is not possible now.',
    description:
      'Pause needs a running execution, resume a paused one, retry a failed or timed-out one, and cancel, signals and step operations an unfinished one.',
  },
  STEP_NOT_FOUND: {
    kind: 'not_found',
    message: 'Step {stepId} is not part of this execution.',
    description: "Use a step id from the execution's definition.",
  },
  STEP_STATE_CONFLICT: {
    kind: 'conflict',
    message: 'Step {stepId} is {status}; {operation} is not possible now.',
    description:
      'Only a human step waiting for input can be completed; only an unfinished or failed step can be skipped.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    kind: 'conflict',
    message: 'Idempotency key {key} already started an execution of another workflow.',
    description: 'A key identifies one start request; use a new key for a different workflow.',
  },
  SUBWORKFLOW_TOO_DEEP: {
    kind: 'invalid',
    message: 'Sub-workflows may nest at most {maxDepth} levels.',
    description: 'A workflow that starts itself (directly or not) without end is refused at this depth.',
  },
  TASK_NOT_FOUND: {
    kind: 'not_found',
    message: 'No task {id}.',
    description: 'The task does not exist or belongs to another tenant.',
  },
  TASK_LEASE_LOST: {
    kind: 'conflict',
    message: 'Task {id} is not leased to worker {workerId}.',
    description:
      'The lease expired and the task went to another worker, or the task is finished; stop working on it.',
  },
  IMPORT_UNSUPPORTED: {
    kind: 'invalid',
    message: 'The Conductor definition uses elements this platform does not support: {unsupported}',
    description:
      'Each entry of `details.unsupported` names the task (by reference name) and the element; rewrite those parts.',
  },
})
