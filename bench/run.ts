/**
 * Runs the benchmarks: `npm run bench` (all scenarios) or `npm run bench -- <name> ...`.
 * Options: --rounds N, --round-ms N, --warmup-ms N, --quick (a smoke run), --list,
 * --profile <contender id> (CPU-profile that contender's loop once more after its rounds),
 * --only <id,id> (measure only those contenders). With --quick, --profile or --only
 * nothing is written.
 *
 * Starts its own redis-server, runs each scenario's contenders side by side in interleaved
 * rounds, writes bench/results/<scenario>.json and renders docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync, mkdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { CommandStats } from './harness/command-stats.js'
import { printScenario } from './harness/console-report.js'
import { startBenchRedis } from './harness/redis-server.js'
import type { BenchContext, BenchOptions } from './harness/scenario.js'
import type { RowResult, RunInfo, ScenarioResult } from './harness/types.js'
import { ROOT } from './harness/versions.js'
import { renderReport } from './render.js'
import { scenarios } from './scenarios/index.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string' },
    'round-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'string' },
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    'no-render': { type: 'boolean', default: false },
  },
})

if (values.list) {
  for (const scenario of scenarios) console.log(`${scenario.name.padEnd(22)} ${scenario.title}`)
  process.exit(0)
}

const unknown = positionals.filter((name) => !scenarios.some((scenario) => scenario.name === name))
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`)
  process.exit(2)
}
const selected = positionals.length === 0 ? scenarios : scenarios.filter((scenario) => positionals.includes(scenario.name))
const options: BenchOptions = {
  quick: values.quick ?? false,
  // Many short rounds: on a shared machine the load moves within seconds, and finely
  // interleaved segments see the same load, which keeps per-round ratios honest.
  rounds: Number(values.rounds ?? (values.quick ? 3 : 12)),
  roundMs: Number(values['round-ms'] ?? (values.quick ? 60 : 120)),
  warmupMs: Number(values['warmup-ms'] ?? (values.quick ? 50 : 200)),
  profile: values.profile,
  only: values.only?.split(','),
}

const log = (line: string) => console.log(line)
const redis = await startBenchRedis()
const commandStats = new CommandStats(redis.url)
const redisVersion = await commandStats.serverVersion()
const resultsDir = join(ROOT, 'bench', 'results')
mkdirSync(resultsDir, { recursive: true })
log(
  `cachekit benchmarks: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), redis ${redisVersion} on port ${redis.port}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
)
log(
  `rounds ${options.rounds} × ${options.roundMs} ms, warm-up ${options.warmupMs} ms${options.quick ? ' (quick: not for publishing)' : ''}`,
)

let failed = false
try {
  for (const scenario of selected) {
    const startedAt = new Date().toISOString()
    const loadBefore = loadavg()
    const started = performance.now()
    log(`\n>> ${scenario.name}: ${scenario.title}`)
    let counter = 0
    const context: BenchContext = {
      redis,
      commandStats,
      options,
      log,
      prefix: (name) => `bench:${scenario.name}:${name}:${counter++}`,
    }
    const pendingReason = scenario.pending?.()
    let result: ScenarioResult
    try {
      const outcome = pendingReason ? { groups: [], targets: [], notes: [] } : await scenario.run(context)
      result = {
        name: scenario.name,
        title: scenario.title,
        description: scenario.description,
        status: pendingReason ? 'pending' : 'measured',
        pendingReason,
        run: runInfo(
          startedAt,
          loadBefore,
          scenario.name,
          outcome.groups.flatMap((group) => group.rows),
        ),
        ...outcome,
      }
    } catch (error) {
      failed = true
      console.error(`!! ${scenario.name} failed:`, error)
      continue
    }
    printScenario(result, log)
    log(`   (${((performance.now() - started) / 1000).toFixed(1)} s)`)
    if (!options.quick && !options.profile && !options.only)
      writeFileSync(join(resultsDir, `${scenario.name}.json`), `${JSON.stringify(result, null, 2)}\n`)
  }
} finally {
  await commandStats.close()
  await redis.stop()
}

if (!options.quick && !options.profile && !options.only && !values['no-render']) {
  const written = renderReport()
  log(`\nwrote ${written.join(', ')}`)
}
process.exit(failed ? 1 : 0)

function runInfo(startedAt: string, loadBefore: number[], name: string, rows: RowResult[]): RunInfo {
  const versions: Record<string, string> = {}
  for (const row of rows) if (row.library) versions[row.library] = row.version
  return {
    startedAt,
    command: `npm run bench -- ${name}`,
    commit: process.env.BENCH_COMMIT ?? gitHead(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
    loadAfter: loadavg().map((l) => Math.round(l * 100) / 100),
    redisVersion,
    rounds: options.rounds,
    roundMs: options.roundMs,
    versions,
  }
}

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return 'unknown'
  }
}
