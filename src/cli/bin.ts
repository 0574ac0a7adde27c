#!/usr/bin/env node
/** The `cachekit` executable (package.json `bin`). */
import { runCli } from './run-cli.js'

const EXIT_GRACE_MS = 5000

// `cachekit stats | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: { code?: string }) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
}).then((code) => {
  process.exitCode = code
  // runCli closes everything it opened; should a client library still hold a handle, the
  // process exits anyway rather than hang a deploy script (unref: never delays a clean exit).
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref()
})
