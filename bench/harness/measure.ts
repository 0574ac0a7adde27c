/**
 * The measuring loop. Every contender of a group runs in the same process against the
 * same server and data, in interleaved rounds (round r starts at contender r, so each
 * takes every position in turn), with a warm-up first. Throughput is the median over
 * rounds; ratios are the median of per-round ratios to the baseline measured in the same
 * rounds; latency percentiles come from all measured rounds; client CPU is
 * `process.cpuUsage()` over the rounds; Redis commands are INFO commandstats deltas.
 */
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import type { RowResult } from './types.js'
import { addCalls, perOperation, type CommandStats } from './command-stats.js'
import { profile } from './profile.js'
import { median, quantile, Samples } from './stats.js'
import { versionOf } from './versions.js'

/** One thing measured: a library configured as its docs recommend, or a baseline. */
export interface Contender {
  id: string
  label: string
  /** npm package whose version is printed ('' for a baseline written here). */
  library: string
  kind: RowResult['kind']
  /** One operation on key number `key`. */
  op: (key: number) => unknown
  /** True when `op` returns a plain value: the loop then does not await it. */
  sync?: boolean
}

export interface ThroughputOptions {
  /** Operations in flight at once (closed loop: each finished operation starts the next). */
  concurrency: number
  rounds: number
  roundMs: number
  warmupMs: number
  /** Key numbers in read order (length a power of two). */
  order: Uint32Array
  /** Row id the ratios are computed against. */
  baseline?: string
  /** When given, Redis commands per operation are measured. */
  commandStats?: CommandStats
  /** Contender id whose loop is CPU-profiled once more after the rounds (`--profile`). */
  profile?: string
  /** Only these contender ids are measured (`--only`). */
  only?: string[]
  log?: (line: string) => void
}

/** Measures `contenders` side by side and returns one row each. */
export async function measureThroughput(all: readonly Contender[], options: ThroughputOptions): Promise<RowResult[]> {
  const log = options.log ?? (() => {})
  const only = options.only
  const contenders = only ? all.filter((contender) => only.includes(contender.id)) : all
  for (const contender of contenders) {
    collectGarbage()
    await runSegment(contender, options, options.warmupMs, new Samples())
  }
  const tallies = contenders.map(() => ({
    rounds: [] as number[],
    ops: 0,
    cpuUs: 0,
    serverCpuUs: 0,
    samples: new Samples(),
    calls: {} as Record<string, number>,
  }))
  for (let round = 0; round < options.rounds; round++) {
    for (let step = 0; step < contenders.length; step++) {
      const index = (round + step) % contenders.length
      const contender = contenders[index] as Contender
      const tally = tallies[index] as (typeof tallies)[number]
      collectGarbage()
      await options.commandStats?.reset()
      const serverBefore = await options.commandStats?.serverCpuUs()
      const cpuBefore = process.cpuUsage()
      const { ops, elapsedMs } = await runSegment(contender, options, options.roundMs, tally.samples)
      const cpu = process.cpuUsage(cpuBefore)
      if (options.commandStats) {
        tally.serverCpuUs += (await options.commandStats.serverCpuUs()) - (serverBefore ?? 0)
        addCalls(tally.calls, await options.commandStats.read())
      }
      tally.rounds.push((ops * 1000) / elapsedMs)
      tally.ops += ops
      tally.cpuUs += cpu.user + cpu.system
    }
    log(
      `    round ${round + 1}/${options.rounds}: ${contenders.map((c, i) => `${c.id} ${formatOps(tallies[i]?.rounds.at(-1) ?? 0)}`).join(', ')}`,
    )
  }
  const profiled = contenders.find((contender) => contender.id === options.profile)
  if (profiled) {
    const lines = await profile(`${profiled.id}-c${options.concurrency}`, () =>
      runSegment(profiled, options, Math.max(options.roundMs, 1000), new Samples()),
    )
    for (const line of lines) log(`    ${line}`)
  }
  const sentPerOp = new Map<Contender, ReturnType<typeof perOperation>>()
  if (options.commandStats) {
    const stats = options.commandStats
    for (const contender of contenders) {
      const { operations, sent } = await stats.countSent(
        async () => (await runSegment(contender, options, Math.min(options.roundMs, 150), new Samples())).ops,
      )
      sentPerOp.set(contender, perOperation(sent, operations))
    }
  }
  const baselineIndex = options.baseline === undefined ? -1 : contenders.findIndex((c) => c.id === options.baseline)
  return contenders.map((contender, index) => {
    const tally = tallies[index] as (typeof tallies)[number]
    const baseRounds = tallies[baselineIndex]?.rounds
    const ratio = baseRounds ? median(tally.rounds.map((ops, round) => ops / (baseRounds[round] as number))) : null
    const samples = tally.samples.view()
    const commands = options.commandStats ? perOperation(tally.calls, tally.ops) : undefined
    return {
      id: contender.id,
      label: contender.label,
      library: contender.library,
      version: versionOf(contender.library),
      kind: contender.kind,
      metrics: {
        opsPerSec: Math.round(median(tally.rounds)),
        ratio: ratio === null ? null : round3(ratio),
        p50Us: round3(quantile(samples, 0.5) * 1000),
        p99Us: round3(quantile(samples, 0.99) * 1000),
        cpuUsPerOp: round3(tally.cpuUs / tally.ops),
        serverCpuUsPerOp: options.commandStats ? round3(tally.serverCpuUs / tally.ops) : null,
        commandsPerOp: commands ? commands.total : null,
        sentPerOp: sentPerOp.get(contender)?.total ?? null,
      },
      rounds: tally.rounds.map(Math.round),
      commands: commands?.byCommand,
      sent: sentPerOp.get(contender)?.byCommand,
    }
  })
}

async function runSegment(
  contender: Contender,
  options: ThroughputOptions,
  durationMs: number,
  samples: Samples,
): Promise<{ ops: number; elapsedMs: number }> {
  if (contender.sync) return runSync(contender.op, options.order, durationMs, samples)
  if (options.concurrency === 1) return runAwaited(contender.op, options.order, durationMs, samples)
  return runConcurrent(contender.op, options.order, options.concurrency, durationMs, samples)
}

// One operation in 16 is timed: reading the clock costs ~40 ns, as much as an L1 hit.
const SAMPLE_MASK = 15
const BATCH = 256

function runSync(
  op: (key: number) => unknown,
  order: Uint32Array,
  durationMs: number,
  samples: Samples,
): { ops: number; elapsedMs: number } {
  const mask = order.length - 1
  const start = performance.now()
  const end = start + durationMs
  let n = 0
  let now = start
  do {
    for (let j = 0; j < BATCH; j++, n++) {
      const key = order[n & mask] as number
      if ((n & SAMPLE_MASK) === 0) {
        const t0 = performance.now()
        op(key)
        samples.push(performance.now() - t0)
      } else op(key)
    }
    now = performance.now()
  } while (now < end)
  return { ops: n, elapsedMs: now - start }
}

async function runAwaited(
  op: (key: number) => unknown,
  order: Uint32Array,
  durationMs: number,
  samples: Samples,
): Promise<{ ops: number; elapsedMs: number }> {
  const mask = order.length - 1
  const start = performance.now()
  const end = start + durationMs
  let n = 0
  let now = start
  do {
    for (let j = 0; j < BATCH; j++, n++) {
      const key = order[n & mask] as number
      if ((n & SAMPLE_MASK) === 0) {
        const t0 = performance.now()
        await op(key)
        samples.push(performance.now() - t0)
      } else await op(key)
      // Slow operations (a network round trip) check the clock often enough on their own.
      if ((n & SAMPLE_MASK) === 0 && performance.now() >= end) {
        n++
        break
      }
    }
    now = performance.now()
  } while (now < end)
  return { ops: n, elapsedMs: now - start }
}

async function runConcurrent(
  op: (key: number) => unknown,
  order: Uint32Array,
  concurrency: number,
  durationMs: number,
  samples: Samples,
): Promise<{ ops: number; elapsedMs: number }> {
  const mask = order.length - 1
  const start = performance.now()
  const end = start + durationMs
  let n = 0
  const worker = async () => {
    while (performance.now() < end) {
      const key = order[n++ & mask] as number
      const t0 = performance.now()
      await op(key)
      samples.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ops: n, elapsedMs: performance.now() - start }
}

let gc: (() => void) | undefined

/** Collects garbage before a segment, so one library's garbage is not collected on another's time. */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc')
    gc = runInNewContext('gc') as () => void
  }
  gc()
}

export function formatOps(ops: number): string {
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)}M/s`
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)}k/s`
  return `${ops.toFixed(0)}/s`
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
