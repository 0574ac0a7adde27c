import { DriverError, type DriverErrorOptions } from './driver-error.js'

/** Options of {@link CommandError}. */
export interface CommandErrorOptions extends DriverErrorOptions {
  /** The first word of the server's error reply: `ERR`, `WRONGTYPE`, `NOSCRIPT`, ... */
  reply?: string
}

/**
 * The server understood the command and refused it: a command on a key holding
 * the wrong type (`WRONGTYPE`), INCRBY on a non-integer, a Lua runtime error.
 * The memory driver raises the same errors with the same `reply` prefixes.
 */
export class CommandError extends DriverError {
  override readonly code = 'COMMAND_ERROR' as const
  override readonly name = 'CommandError' as const
  /** The error prefix the server used (`ERR`, `WRONGTYPE`, ...). */
  readonly reply: string

  constructor(message: string, options: CommandErrorOptions = {}) {
    super(message, options)
    this.reply = options.reply ?? /^[A-Z]+(?= )/.exec(message)?.[0] ?? 'ERR'
  }
}
