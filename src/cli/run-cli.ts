/**
 * `npx cachekit <command>`: health, stats, keys, invalidate, guard, bench, demo. Human
 * tables by default, `--json` for machines; exit codes a deploy check can act on.
 */
import { CachekitError, ValidationError } from '../core/errors/index.js'
import { createCachekit, type Cachekit } from '../kit.js'
import { redact } from '../admin/redact.js'
import { parseArguments, stringOption, type CliArguments } from './args.js'
import { EXIT, type CliIo, type CommandContext } from './command.js'
import { bench } from './commands/bench.js'
import { demo } from './commands/demo.js'
import { guard } from './commands/guard.js'
import { health } from './commands/health.js'
import { invalidate } from './commands/invalidate.js'
import { keys } from './commands/keys.js'
import { stats } from './commands/stats.js'
import { connect, type Connection } from './connect.js'

const COMMANDS: Readonly<Record<string, (context: CommandContext) => Promise<number>>> = { health, stats, keys, invalidate, guard, bench }

const HELP = `Usage: cachekit <command> [options]

Commands:
  health                       ping, memory, circuit, guard and issues (exit 0 healthy, 1 degraded, 2 unhealthy)
  stats                        server figures from INFO: memory, hit rate, ops/sec, clients, keyspace
  keys [--family F] [--sample N]   keys and memory per key family (bounded SCAN sample)
  invalidate --key K | --tag T | --pattern P   invalidate within --prefix
  guard [--budget 20mb]        memory guard check and configuration warnings (exit 0 ok, 1 warn, 2 critical)
  bench [--ops N] [--concurrency C] [--size BYTES]   quick latency and throughput probe (cleans up after itself)
  demo                         the in-memory walkthrough: no server needed

Options:
  --url URL         redis://, rediss://, https:// (Upstash, with --token) or memory:
                    default: REDIS_URL, else UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN
  --cluster         treat --url as comma-separated cluster nodes
  --prefix P        the kit's namespace prefix (e.g. app:prod)
  --timeout MS      command and connect timeout (default: the driver's, 500 ms and 2 s)
  --json            machine-readable output
`

/**
 * Runs one CLI invocation and resolves its exit code. Never rejects.
 *
 * @example process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error, env: process.env })
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArguments
  try {
    args = parseArguments(argv)
  } catch (error) {
    io.err(`cachekit: ${(error as Error).message}\n\n${HELP}`)
    return EXIT.usage
  }
  if (args.options.help === true || args.command === undefined || args.command === 'help') {
    io.out(HELP)
    return args.command === undefined && args.options.help !== true ? EXIT.usage : EXIT.ok
  }
  if (args.command === 'demo') return demo(io)
  const command = COMMANDS[args.command]
  if (!command) {
    io.err(`cachekit: unknown command ${JSON.stringify(args.command)}\n\n${HELP}`)
    return EXIT.usage
  }
  let connection: Connection | undefined
  let kit: Cachekit | undefined
  try {
    connection = await connect(args, io.env)
    kit = createCachekit({ driver: connection.driver, prefix: stringOption(args, 'prefix'), guard: false })
    // The first call waits for the connection: keep that out of the figures (a failure shows later).
    await kit.driver.ping().catch(() => undefined)
    const json = args.options.json === true
    const secrets = connection.secrets
    return await command({
      args,
      kit,
      connection,
      json,
      print: (text) => io.out(redact(text, secrets)),
      printJson: (value) => io.out(redact(JSON.stringify(value, null, 2), secrets)),
    })
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), connection?.secrets ?? [])
    if (error instanceof ValidationError) {
      io.err(`cachekit: ${message}`)
      return EXIT.usage
    }
    const code = CachekitError.is(error) ? ` (${error.code})` : ''
    io.err(`cachekit: ${args.command} failed${code}: ${message}`)
    return EXIT.failure
  } finally {
    // Every path closes what it opened: a kit closes its driver; a driver whose kit was
    // never made (a bad --prefix) is closed alone, or its socket keeps the process alive.
    await (kit ?? connection?.driver)?.close().catch(() => undefined)
  }
}
