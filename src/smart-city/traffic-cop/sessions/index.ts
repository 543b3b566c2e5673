import type { TrafficCopDeps, TrafficCopModule } from '../module.js'
import { createSessions } from './sessions.js'
import { createSessionState } from './state.js'

export { sessionsMigration } from './migration.js'
export { sessionErrors } from './errors.js'
export type { Sessions } from './sessions.js'
export type { SessionState } from './state.js'

const cleanupEveryMs = 60_000

/** Sessions and their state, with a cleanup timer that expires lapsed sessions on every node. */
export function createSessionsModule(deps: TrafficCopDeps) {
  const sessions = createSessions(deps)
  const state = createSessionState(deps, sessions)
  let timer: { cancel(): void } | undefined
  let stopped = false
  const schedule = () => {
    timer = deps.clock.setTimer(cleanupEveryMs, () => {
      sessions
        .expireLapsed()
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'session cleanup failed'))
        .finally(() => {
          if (!stopped) schedule()
        })
    })
  }
  const module: TrafficCopModule = {
    start() {
      stopped = false
      schedule()
      return Promise.resolve()
    },
    stop() {
      stopped = true
      timer?.cancel()
      return Promise.resolve()
    },
  }
  return { sessions, state, module }
}
