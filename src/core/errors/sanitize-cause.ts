/**
 * What a client library's error may keep when it becomes the `cause` of a cachekit
 * error. ioredis attaches the failed command to its errors (`command: { name, args }`:
 * cached values, session records, script arguments, an AUTH password), Redis quotes the
 * arguments of a command it does not know (`with args beginning with: ...`), and Upstash
 * quotes the whole command (`command was: [...]`). A logger printing `error.cause` (or
 * `util.inspect(error)`) would print them all. The copy keeps the name, the message
 * without quoted arguments, the stack frames, string/number codes (`ECONNREFUSED`) and
 * the command's name and argument count; nested causes are copied the same way.
 */

/** Removes credentials from a message (a driver's redactor); identity by default. */
export type RedactText = (text: string) => string

/** Marks copies this module made, so a cause sanitized by a driver is not copied again. */
const sanitized = Symbol.for('cachekit.sanitized-cause')

const MAX_DEPTH = 4
// Fields of Node's and the clients' errors that name a failure and never carry data.
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'reply'] as const
// Fields that hold further errors: a cause chain, a cluster's last node error, EXECABORT's errors.
const NESTED_FIELDS = ['lastNodeError'] as const

/**
 * A copy of `cause` that is safe to log, or `cause` itself when it is already safe (a
 * cachekit error, a copy made here, a number or boolean). Anything else that is not an
 * Error is dropped (`undefined`): its shape is unknown, so it may hold anything.
 *
 * @example new CommandError(message, { cause: sanitizeCause(replyError, redact) })
 */
export function sanitizeCause(cause: unknown, redact: RedactText = (text) => text, depth = 0): unknown {
  if (cause === undefined || cause === null) return undefined
  if (typeof cause === 'number' || typeof cause === 'boolean') return cause
  if (typeof cause === 'string') return sanitizeMessage(cause, redact)
  if (!(cause instanceof Error)) return undefined
  if (isCachekitError(cause) || (cause as unknown as Record<symbol, unknown>)[sanitized] === true) return cause
  const message = sanitizeMessage(cause.message, redact)
  const copy = new Error(message) as Error & Record<string, unknown>
  Object.defineProperty(copy, sanitized, { value: true })
  Object.defineProperty(copy, 'name', { value: cause.name, enumerable: false, writable: true, configurable: true })
  copy.stack = `${cause.name}: ${message}${frames(cause.stack)}`
  const source = cause as unknown as Record<string, unknown>
  for (const field of SAFE_FIELDS) {
    const value = source[field]
    if (typeof value === 'string' || typeof value === 'number') copy[field] = typeof value === 'string' ? redact(value) : value
  }
  const command = commandSummary(source.command)
  if (command) copy.command = command
  if (depth < MAX_DEPTH) {
    const inner = sanitizeCause(cause.cause, redact, depth + 1)
    if (inner !== undefined) Object.defineProperty(copy, 'cause', { value: inner, enumerable: false, writable: true, configurable: true })
    for (const field of NESTED_FIELDS) {
      const nested = sanitizeCause(source[field], redact, depth + 1)
      if (nested !== undefined) copy[field] = nested
    }
    if (Array.isArray(source.previousErrors))
      copy.previousErrors = source.previousErrors.map((error) => sanitizeCause(error, redact, depth + 1))
  }
  return copy
}

/** A server or client message without the arguments it quotes. */
export function sanitizeMessage(message: string, redact: RedactText = (text) => text): string {
  return redact(message)
    .replace(/(with args beginning with:)[^\n]*/g, '$1 [redacted]')
    .replace(/(command was:)[\s\S]*$/, '$1 [redacted]')
}

/** ioredis's `{ name, args }` as `{ name, argCount }`: which command failed, never with what. */
function commandSummary(command: unknown): { name: string; argCount: number } | undefined {
  if (typeof command !== 'object' || command === null) return undefined
  const { name, args } = command as { name?: unknown; args?: unknown }
  if (typeof name !== 'string') return undefined
  return { name, argCount: Array.isArray(args) ? args.length : 0 }
}

/** The stack's frames (the lines after the message, which may span several lines). */
function frames(stack: string | undefined): string {
  if (typeof stack !== 'string') return ''
  const at = stack.search(/\n\s+at /)
  return at === -1 ? '' : stack.slice(at)
}

function isCachekitError(value: Error): boolean {
  return (value as unknown as Record<symbol, unknown>)[Symbol.for('cachekit.error')] === true
}
