/**
 * Turns what the Upstash client throws into cachekit's typed errors.
 *
 * The client reports a refused command as `UpstashError` with the server's text wrapped
 * in its own words ("Command failed: ...", "..., command was: [...]"); a network failure
 * as the runtime's `fetch` error; an aborted request as `AbortError`/`TimeoutError`.
 * The wrapped text quotes the whole command (values included), so it is cut away: our
 * messages carry the server's reply only, and never the token.
 */
import { CachekitError, CommandError, DriverError, DriverTimeoutError } from '../../core/errors/index.js'
import { sanitizeCause } from '../../core/errors/sanitize-cause.js'

/** What {@link toDriverError} needs to know about the failed call. */
export interface FailureContext {
  /** The driver method that failed (`get`, `eval`, ...). */
  command: string
  /** The call's timeout, for a `DriverTimeoutError`. */
  timeoutMs: number
  /** Strings that must never appear in a message (the REST token). */
  secrets: readonly string[]
}

const DRIVER = 'upstash'

/** Maps any failure of a client call to a {@link CachekitError}. */
export function toDriverError(error: unknown, context: FailureContext): CachekitError {
  if (CachekitError.is(error)) return error
  const { command } = context
  const name = error instanceof Error ? error.name : ''
  const message = redact(error instanceof Error ? error.message : String(error), context.secrets)

  if (name === 'TimeoutError' || name === 'AbortError') return new DriverTimeoutError(command, context.timeoutMs, { driver: DRIVER })
  if (name === 'UpstashError') {
    if (message.startsWith('Unable to parse response body')) {
      return new DriverError(`${DRIVER}: ${command}: the server's answer was not JSON (a proxy or gateway error?)`, { driver: DRIVER })
    }
    const reply = serverReply(message)
    if (/^[A-Z][A-Z0-9_-]*(?: |$)/.test(reply)) return new CommandError(reply, { driver: DRIVER })
    return new DriverError(`${DRIVER}: ${command} failed: ${reply}`, { driver: DRIVER })
  }
  // fetch failures (refused, reset, DNS) say little at the top; the cause names the reason.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${redact(error.cause.message, context.secrets)}` : ''
  return new DriverError(`${DRIVER}: ${command} failed: ${message}${cause}`, {
    driver: DRIVER,
    cause: sanitizeCause(error, (text) => redact(text, context.secrets)),
  })
}

/** The server's own error text, without the client's prefixes and its quote of the command. */
function serverReply(message: string): string {
  return message
    .replace(/^Command failed: /, '')
    .replace(/^Command \d+ \[ [^\]]* \] failed: /, '')
    .replace(/, command was: [\s\S]*$/, '')
}

function redact(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) if (secret !== '') result = result.replaceAll(secret, '[redacted]')
  return result
}
