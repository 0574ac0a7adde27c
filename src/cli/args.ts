/** The CLI's argument parser: one command, then `--name value`, `--name=value` or `--flag`. */
import { ValidationError } from '../core/errors/index.js'

/** Parsed arguments. */
export interface CliArguments {
  readonly command: string | undefined
  readonly options: Readonly<Record<string, string | true>>
}

const FLAGS = new Set(['json', 'cluster', 'help', 'version'])

/** Parses `argv` (without node and the script). @throws {ValidationError} on a malformed option. */
export function parseArguments(argv: readonly string[]): CliArguments {
  const options: Record<string, string | true> = {}
  let command: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '-h') {
      options.help = true
      continue
    }
    if (!arg.startsWith('--')) {
      if (command !== undefined) throw new ValidationError(`unexpected argument ${JSON.stringify(arg)}`)
      command = arg
      continue
    }
    const equals = arg.indexOf('=')
    const name = arg.slice(2, equals === -1 ? undefined : equals)
    if (!/^[a-z][a-z-]*$/.test(name)) throw new ValidationError(`malformed option ${JSON.stringify(arg)}`)
    if (equals !== -1) options[name] = arg.slice(equals + 1)
    else if (FLAGS.has(name)) options[name] = true
    else {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new ValidationError(`--${name} needs a value`)
      options[name] = value
      i++
    }
  }
  return { command, options }
}

/** A string option, or undefined. */
export function stringOption(args: CliArguments, name: string): string | undefined {
  const value = args.options[name]
  if (value === true) throw new ValidationError(`--${name} needs a value`)
  return value
}

/** A positive integer option with a default. */
export function integerOption(args: CliArguments, name: string, fallback: number): number {
  const value = stringOption(args, name)
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value)))
    throw new ValidationError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`)
  return Number(value)
}
