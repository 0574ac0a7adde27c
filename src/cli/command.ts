/** What a CLI command gets and answers: its context, the CLI's input and output, and the exit codes. */
import type { Cachekit } from '../kit.js'
import type { CliArguments } from './args.js'
import type { Connection } from './connect.js'

/** Where the CLI writes and what it reads. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  readonly env: Readonly<Record<string, string | undefined>>
}

/** What a command gets. */
export interface CommandContext {
  readonly args: CliArguments
  readonly kit: Cachekit
  readonly connection: Connection
  readonly json: boolean
  print(text: string): void
  printJson(value: unknown): void
}

/** Exit codes. */
export const EXIT = Object.freeze({
  ok: 0,
  /** health degraded, guard in warn */
  warning: 1,
  /** health unhealthy, guard critical, server unreachable */
  failure: 2,
  /** bad arguments */
  usage: 64,
})
