import type { StepDefinition, WorkflowSpec } from './types.js'

/** Every step of a definition by id, and the ids nested under each composite step; built once per definition. */
export interface StepIndex {
  byId: Map<string, StepDefinition>
  nested: Map<string, string[]>
}

const indexes = new WeakMap<WorkflowSpec, StepIndex>()

export function stepIndexOf(definition: WorkflowSpec): StepIndex {
  let index = indexes.get(definition)
  if (index) return index
  index = { byId: new Map(), nested: new Map() }
  collect(definition.steps, index)
  indexes.set(definition, index)
  return index
}

export function childSequences(step: StepDefinition): StepDefinition[][] {
  switch (step.type) {
    case 'switch':
      return [...step.cases.map((c) => c.steps), ...(step.default ? [step.default] : [])]
    case 'parallel':
      return step.branches
    case 'loop':
      return [step.steps]
    case 'task':
    case 'wait':
    case 'subworkflow':
    case 'human':
    case 'set':
    case 'terminate':
      return []
  }
}

function collect(steps: StepDefinition[], index: StepIndex): string[] {
  const ids: string[] = []
  for (const step of steps) {
    index.byId.set(step.id, step)
    const nested = childSequences(step).flatMap((sequence) => collect(sequence, index))
    index.nested.set(step.id, nested)
    ids.push(step.id, ...nested)
  }
  return ids
}
