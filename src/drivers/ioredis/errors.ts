/** Turning whatever ioredis rejects with into cachekit's typed errors, without leaking secrets. */
import { CachekitError, CommandError, DriverError } from '../../core/errors/index.js'
import { sanitizeCause } from '../../core/errors/sanitize-cause.js'

export const DRIVER_NAME = 'ioredis'

/** Removes credentials from text that is about to become an error message. */
export type Redact = (text: string) => string

/** A redactor for the given secrets, plus any `user:password@` in a URL. */
export function createRedactor(secrets: readonly string[]): Redact {
  const ordered = [...new Set(secrets)].sort((a, b) => b.length - a.length)
  return (text) => {
    let result = text.replace(/(\w+:\/\/)[^@/\s]*@/g, '$1***@')
    for (const secret of ordered) result = result.split(secret).join('***')
    return result
  }
}

/**
 * The cachekit error for a failed call: cachekit errors pass through; a server's error
 * reply becomes {@link CommandError} with its first word as `reply`; anything else
 * (connection lost, client closed) becomes {@link DriverError}. ioredis attaches the
 * failed command, arguments included (values; an AUTH or HELLO password), to its errors:
 * the cause kept is a sanitized copy with the command's name and argument count only.
 */
export function toDriverError(error: unknown, command: string, redact: Redact, lastConnectionError?: unknown): Error {
  if (CachekitError.is(error)) return error
  const message = redact(error instanceof Error ? error.message : String(error))
  if (isReplyError(error)) {
    return new CommandError(message, {
      driver: DRIVER_NAME,
      reply: /^[A-Z][A-Z_-]*/.exec(message)?.[0] ?? 'ERR',
      cause: sanitizeCause(error, redact),
    })
  }
  const name = error instanceof Error ? error.name : ''
  const detail = name === 'MaxRetriesPerRequestError' ? 'the connection to Redis was lost' : message
  const last = lastConnectionError instanceof Error ? `; last connection error: ${redact(lastConnectionError.message)}` : ''
  return new DriverError(`${DRIVER_NAME}: ${command} failed: ${detail}${last}`, {
    driver: DRIVER_NAME,
    cause: sanitizeCause(error, redact),
  })
}

/**
 * The error for a cluster command that kept being redirected (MOVED, ASK, TRYAGAIN,
 * CLUSTERDOWN) until its tries ran out: the slot has no reachable owner for now, which
 * is an outage of that slot, not a command the server refused.
 */
export function topologyError(command: string, error: unknown, redact: Redact): DriverError {
  const message = redact(error instanceof Error ? error.message : String(error))
  return new DriverError(`${DRIVER_NAME}: ${command} failed: the cluster kept redirecting it (${message})`, {
    driver: DRIVER_NAME,
    cause: sanitizeCause(error, redact),
  })
}

/** The error for a call refused because the connection is known to be down. */
export function connectionDownError(command: string, status: string, redact: Redact, lastConnectionError?: unknown): DriverError {
  const state = status === 'end' ? 'the connection is closed' : `the connection is down (${status})`
  const last = lastConnectionError instanceof Error ? `; last connection error: ${redact(lastConnectionError.message)}` : ''
  return new DriverError(`${DRIVER_NAME}: ${command} failed: ${state}${last}`, { driver: DRIVER_NAME })
}

/** ioredis 5 and 6 name their server error replies `ReplyError` (6 subclasses it per RESP type). */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError'
}
