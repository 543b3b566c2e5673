import type { Clock } from '../../../kernel/clock.js'
import type { KeyValueStore, ScriptResult } from '../../../ports/key-value-store.js'
import { type GcraDecision, type GcraVerdict, gcraCall, gcraScript, parseGcraReplies } from './gcra-script.js'

/**
 * Group commit of rate-limit decisions for a store in another process (Redis). A decision waits at most until the
 * end of the current turn of the event loop (process.nextTick); then the waiting decisions go out in calls of the
 * batched GCRA script, spread evenly over the calls that may still start (`maxInFlight` at once), so that the store
 * works on one call while this process reads the reply of another. Decisions made while every call is out wait and
 * go together when one returns. So a lone request goes at once, and under load one round trip carries many
 * decisions instead of one each: a command's socket write and its dispatch in Redis cost more than a decision.
 * Each caller gets its own verdict; when a call fails, every decision in it fails with that error. A call carries
 * at most `maxBatch` decisions.
 */
export interface DecisionBatcher {
  decide(decision: GcraDecision): Promise<GcraVerdict>
}

interface Waiting {
  decision: GcraDecision
  resolve(verdict: GcraVerdict): void
  reject(error: unknown): void
}

export function createDecisionBatcher(
  deps: { keyValue: KeyValueStore; clock: Clock },
  limits: { maxInFlight: number; maxBatch: number } = { maxInFlight: 2, maxBatch: 128 },
): DecisionBatcher {
  const waiting: Waiting[] = []
  let inFlight = 0
  let scheduled = false

  function schedule(): void {
    if (scheduled || inFlight >= limits.maxInFlight) return
    scheduled = true
    process.nextTick(flush)
  }

  function flush(): void {
    scheduled = false
    while (inFlight < limits.maxInFlight && waiting.length > 0) {
      const size = Math.ceil(waiting.length / (limits.maxInFlight - inFlight))
      send(waiting.splice(0, Math.min(size, limits.maxBatch)))
    }
  }

  function send(batch: Waiting[]): void {
    inFlight++
    const now = deps.clock.now()
    const decisions = batch.map((item) => item.decision)
    const call = gcraCall(now, decisions)
    let pending: Promise<ScriptResult>
    try {
      pending = deps.keyValue.runScript(gcraScript, call.keys, call.args)
    } catch (error) {
      returned()
      fail(batch, error)
      return
    }
    pending.then(
      (reply) => {
        returned()
        settle(batch, reply, now, decisions)
      },
      (error: unknown) => {
        returned()
        fail(batch, error)
      },
    )
  }

  function returned(): void {
    inFlight--
    if (waiting.length > 0) schedule()
  }

  function settle(batch: Waiting[], reply: ScriptResult, now: number, decisions: GcraDecision[]): void {
    let verdicts: GcraVerdict[]
    try {
      verdicts = parseGcraReplies(reply, now, decisions)
    } catch (error) {
      fail(batch, error)
      return
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(verdicts[i]!)
  }

  function fail(batch: Waiting[], error: unknown): void {
    for (const item of batch) item.reject(error)
  }

  return {
    decide: (decision) =>
      new Promise<GcraVerdict>((resolve, reject) => {
        waiting.push({ decision, resolve, reject })
        schedule()
      }),
  }
}
