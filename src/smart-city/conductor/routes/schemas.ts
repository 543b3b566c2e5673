import { Type } from 'typebox'

export const tags = ['conductor']
const Timestamp = Type.String({ format: 'date-time' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()])

export const WorkflowName = Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' })
export const NameParams = Type.Object({ name: WorkflowName })
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export const StepParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  stepId: Type.String({ minLength: 1, maxLength: 64 }),
})
export const SignalParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' }),
})

export const DefinitionBody = Type.Object(
  {
    name: Type.String(),
    version: Type.Optional(Type.Integer()),
    description: Type.Optional(Type.String()),
    timeoutSeconds: Type.Optional(Type.Integer()),
    output: Type.Optional(Type.String()),
    variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    steps: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description:
        'Steps: task, switch, parallel, wait, subworkflow, human, loop, set, terminate (see the README). ' +
        'Checked as a whole on create; every problem is reported with a JSON pointer.',
    }),
  },
  { additionalProperties: true },
)

export const DefinitionView = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  description: Type.Optional(Type.String()),
  timeoutSeconds: Type.Optional(Type.Integer()),
  output: Type.Optional(Type.String()),
  variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  steps: Type.Array(Type.Unknown()),
})

export const ExecutionSummary = Type.Object({
  id: Type.String(),
  workflow: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  correlationId: Nullable(Type.String()),
  parentId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  endedAt: Nullable(Timestamp),
})

const StepView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.String(),
  attempt: Type.Integer(),
  input: Type.Unknown(),
  output: Type.Unknown(),
  error: Type.Unknown(),
  taskId: Nullable(Type.String()),
  childId: Nullable(Type.String()),
  iteration: Nullable(Type.Integer()),
  startedAt: Timestamp,
  endedAt: Nullable(Timestamp),
  wakeAt: Nullable(Timestamp),
})

export const ExecutionView = Type.Intersect([
  ExecutionSummary,
  Type.Object({
    input: Type.Unknown(),
    output: Type.Unknown(),
    error: Type.Unknown(),
    variables: Type.Record(Type.String(), Type.Unknown()),
    steps: Type.Array(StepView),
    deadlineAt: Nullable(Timestamp),
    wakeAt: Nullable(Timestamp),
  }),
])

export const HistoryEntryView = Type.Object({
  seq: Type.Integer(),
  type: Type.String(),
  stepId: Nullable(Type.String()),
  data: Type.Unknown(),
  at: Timestamp,
})

export const TaskView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: Type.String(),
  input: Type.Unknown(),
  output: Type.Unknown(),
  error: Type.Unknown(),
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
  executionId: Nullable(Type.String()),
  stepId: Nullable(Type.String()),
  purpose: Type.String(),
  workerId: Nullable(Type.String()),
  leaseExpiresAt: Nullable(Timestamp),
  deliveries: Type.Integer(),
  createdAt: Timestamp,
  completedAt: Nullable(Timestamp),
})

export const TaskType = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.:-]{0,127}$' })
export const WorkerId = Type.String({ minLength: 1, maxLength: 128 })
