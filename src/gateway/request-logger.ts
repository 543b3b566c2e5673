import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions, Level } from 'pino'
import type { Logger } from '../kernel/logger.js'

/**
 * `request.log` without a pino child per request. Fastify makes a child bound to the request id for every request,
 * and creating it (bindings serialised, formatters rebuilt) was a visible per-request cost although most requests
 * never log. This logger makes that child on the first call at an enabled level, so every line still carries
 * `reqId`. Route-level log options (level, serializers) get a real child at once.
 */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  for (const _option in options) return logger.child(bindings, options)
  return new RequestLogger(logger as Logger, bindings)
}

type LogArgs = [obj: unknown, msg?: string, ...args: unknown[]]

class RequestLogger {
  #child: Logger | undefined

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return (this.#child ?? this.parent).level
  }

  set level(level: string) {
    this.real().level = level
  }

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.parent).isLevelEnabled(level)
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options)
  }

  fatal(...args: LogArgs): void {
    this.write('fatal', args)
  }

  error(...args: LogArgs): void {
    this.write('error', args)
  }

  warn(...args: LogArgs): void {
    this.write('warn', args)
  }

  info(...args: LogArgs): void {
    this.write('info', args)
  }

  debug(...args: LogArgs): void {
    this.write('debug', args)
  }

  trace(...args: LogArgs): void {
    this.write('trace', args)
  }

  silent(): void {}

  private real(): Logger {
    return (this.#child ??= this.parent.child(this.bindings))
  }

  private write(level: Level, args: LogArgs): void {
    if (!this.isLevelEnabled(level)) return
    const real = this.real()
    real[level](...args)
  }
}
