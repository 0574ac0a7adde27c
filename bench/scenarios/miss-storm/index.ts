/**
 * Scenario 4: a miss storm. 1,000 concurrent getOrSet calls for 100 cold keys with a
 * 20 ms loader, on Redis: in one process, and as 4 processes × 250 calls on the same keys.
 * Reported: loader calls (100 is perfect), wall time, p99 latency, Redis commands per call.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { addCalls, perOperation } from '../../harness/command-stats.js'
import { collectGarbage } from '../../harness/measure.js'
import type { BenchContext, Scenario } from '../../harness/scenario.js'
import { median } from '../../harness/stats.js'
import type { Column, GroupResult, RowResult, TargetResult } from '../../harness/types.js'
import { versionOf } from '../../harness/versions.js'
import { closeAll, row } from '../common.js'
import { LOADER_MS, runStorm, STORM_IDS, STORM_KEYS, stormItems, stormSubjects, type StormOutcome } from './storm.js'

const REQUESTS = 1_000
const PROCESSES = 4
const WORKER = fileURLToPath(new URL('../../workers/miss-storm-worker.ts', import.meta.url))

const COLUMNS: Column[] = [
  { metric: 'loaderCalls', label: 'loader calls (median)', format: 'int' },
  { metric: 'loaderCallsMax', label: 'loader calls (max)', format: 'int' },
  { metric: 'wallMs', label: 'wall (median)', format: 'ms' },
  { metric: 'p99Ms', label: 'p99 latency', format: 'ms' },
  { metric: 'commandsPerOp', label: 'Redis cmds/call', format: 'cmds' },
]
const CHART = { metric: 'wallMs', label: 'wall time for the storm, ms (lower is better)', format: 'ms' as const, higherIsBetter: false }

export const missStorm: Scenario = {
  name: 'miss-storm',
  title: 'Miss storm',
  description: `${REQUESTS.toLocaleString('en')} concurrent getOrSet calls for ${STORM_KEYS} cold keys, a ${LOADER_MS} ms loader, each library in its Redis configuration. Every round uses keys no one has read before. In one process, then as ${PROCESSES} processes × ${REQUESTS / PROCESSES} calls on the same keys.`,
  async run(context) {
    const rounds = context.options.rounds
    const keyCount = STORM_KEYS * (rounds + 2)
    const items = stormItems()
    const local = await measureLocal(context, rounds, keyCount, items)
    const distributed = await measureProcesses(context, rounds, keyCount)
    const groups: GroupResult[] = [
      {
        id: 'storm-1',
        title: `One process, ${REQUESTS.toLocaleString('en')} calls`,
        description: 'Client CPU is per call.',
        columns: [...COLUMNS, { metric: 'cpuUsPerOp', label: 'client CPU/call', format: 'cpu' }],
        chart: CHART,
        rows: local,
      },
      {
        id: `storm-${PROCESSES}`,
        title: `${PROCESSES} processes × ${REQUESTS / PROCESSES} calls`,
        description: 'Wall is the slowest process from its start signal; p99 over all calls of all processes.',
        columns: COLUMNS,
        chart: CHART,
        rows: distributed,
      },
    ]
    const one = row(local, 'cachekit')
    const many = row(distributed, 'cachekit')
    const targets: TargetResult[] = [
      {
        description: 'one process: cachekit loader calls for 100 keys (max over rounds)',
        target: '100',
        measured: String(one?.metrics.loaderCallsMax),
        met: one?.metrics.loaderCallsMax === STORM_KEYS,
      },
      {
        description: 'one process: cachekit wall time on Redis (median)',
        target: '≤ 30 ms',
        measured: `${one?.metrics.wallMs?.toFixed(1)} ms`,
        met: (one?.metrics.wallMs ?? Infinity) <= 30,
      },
      {
        description: `${PROCESSES} processes: cachekit loader calls for 100 keys (max over rounds)`,
        target: '100',
        measured: String(many?.metrics.loaderCallsMax),
        met: many?.metrics.loaderCallsMax === STORM_KEYS,
      },
    ]
    return { groups, targets, notes: [] }
  },
}

interface Tally {
  outcomes: StormOutcome[]
  p99s: number[]
  calls: Record<string, number>
  cpuUs: number
}

async function measureLocal(
  context: BenchContext,
  rounds: number,
  keyCount: number,
  items: ReturnType<typeof stormItems>,
): Promise<RowResult[]> {
  context.log('  one process')
  const subjects = await stormSubjects(context.redis, prefixes(context, 'local'), keyCount)
  try {
    const tallies = subjects.map((): Tally => ({ outcomes: [], p99s: [], calls: {}, cpuUs: 0 }))
    for (const subject of subjects) await runStorm(subject, 0, REQUESTS, items)
    for (let round = 0; round < rounds; round++) {
      for (let step = 0; step < subjects.length; step++) {
        const index = (round + step) % subjects.length
        const subject = subjects[index]!
        const tally = tallies[index]!
        collectGarbage()
        await context.commandStats.reset()
        const cpuBefore = process.cpuUsage()
        const outcome = await runStorm(subject, (round + 1) * STORM_KEYS, REQUESTS, items)
        const cpu = process.cpuUsage(cpuBefore)
        addCalls(tally.calls, await context.commandStats.read())
        tally.outcomes.push(outcome)
        tally.p99s.push(p99(outcome.latencies))
        tally.cpuUs += cpu.user + cpu.system
      }
      context.log(
        `    round ${round + 1}/${rounds}: ${subjects.map((s, i) => `${s.id} ${tallies[i]!.outcomes.at(-1)!.loaderCalls} loads ${tallies[i]!.outcomes.at(-1)!.wallMs.toFixed(0)} ms`).join(', ')}`,
      )
    }
    return subjects.map((subject, index) => toRow(subject, tallies[index]!, rounds))
  } finally {
    await closeAll(subjects)
  }
}

async function measureProcesses(context: BenchContext, rounds: number, keyCount: number): Promise<RowResult[]> {
  context.log(`  ${PROCESSES} processes`)
  const shared = prefixes(context, 'procs')
  const children = Array.from({ length: PROCESSES }, () =>
    fork(WORKER, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  try {
    await Promise.all(children.map((child) => next(child, 'started')))
    await everyone(children, { type: 'init', redis: context.redis, prefixes: shared, keyCount }, 'ready')
    const ids = [...STORM_IDS]
    const tallies = ids.map((): Tally => ({ outcomes: [], p99s: [], calls: {}, cpuUs: 0 }))
    for (let round = -1; round < rounds; round++) {
      for (let step = 0; step < ids.length; step++) {
        const index = (Math.max(round, 0) + step) % ids.length
        const tally = tallies[index]!
        await everyone(children, { type: 'arm', id: ids[index], base: (round + 1) * STORM_KEYS, requests: REQUESTS / PROCESSES }, 'armed')
        await context.commandStats.reset()
        const results = await everyone<StormOutcome>(children, { type: 'go' }, 'result')
        const calls = await context.commandStats.read()
        if (round < 0) continue
        addCalls(tally.calls, calls)
        const latencies = results.flatMap((result) => result.latencies)
        tally.outcomes.push({
          loaderCalls: results.reduce((sum, r) => sum + r.loaderCalls, 0),
          wallMs: Math.max(...results.map((r) => r.wallMs)),
          latencies,
        })
        tally.p99s.push(p99(latencies))
      }
      if (round >= 0)
        context.log(
          `    round ${round + 1}/${rounds}: ${ids.map((id, i) => `${id} ${tallies[i]!.outcomes.at(-1)!.loaderCalls} loads ${tallies[i]!.outcomes.at(-1)!.wallMs.toFixed(0)} ms`).join(', ')}`,
        )
    }
    const labels = await stormLabels()
    return ids.map((id, index) => toRow({ ...labels[id]!, id }, tallies[index]!, rounds, false))
  } finally {
    for (const child of children) if (child.connected) child.send({ type: 'close' })
    await Promise.all(
      children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)),
    )
  }
}

function toRow(
  subject: { id: string; label: string; library: string; kind: RowResult['kind'] },
  tally: Tally,
  rounds: number,
  withCpu = true,
): RowResult {
  const requests = REQUESTS * rounds
  const loads = tally.outcomes.map((outcome) => outcome.loaderCalls)
  const commands = perOperation(tally.calls, requests)
  return {
    id: subject.id,
    label: subject.label,
    library: subject.library,
    version: versionOf(subject.library),
    kind: subject.kind,
    metrics: {
      loaderCalls: median(loads),
      loaderCallsMax: Math.max(...loads),
      wallMs: round1(median(tally.outcomes.map((outcome) => outcome.wallMs))),
      p99Ms: round1(median(tally.p99s)),
      commandsPerOp: commands.total,
      ...(withCpu ? { cpuUsPerOp: round1(tally.cpuUs / requests) } : {}),
    },
    commands: commands.byCommand,
  }
}

/** Labels and libraries of the storm subjects, without connecting anything in this process. */
async function stormLabels(): Promise<Record<string, { label: string; library: string; kind: RowResult['kind'] }>> {
  return {
    naive: { label: 'hand-written cache-aside (ioredis GET/SET)', library: 'ioredis', kind: 'baseline' },
    cachekit: { label: 'cachekit', library: 'cachekit', kind: 'cachekit' },
    'async-cache-dedupe': { label: 'async-cache-dedupe', library: 'async-cache-dedupe', kind: 'peer' },
    'cache-manager': { label: 'cache-manager', library: 'cache-manager', kind: 'peer' },
    bentocache: { label: 'BentoCache', library: 'bentocache', kind: 'peer' },
    cacheable: { label: 'cacheable', library: 'cacheable', kind: 'peer' },
  }
}

function prefixes(context: BenchContext, part: string): Record<string, string> {
  return Object.fromEntries(STORM_IDS.map((id) => [id, context.prefix(`${part}-${id}`)]))
}

function p99(latencies: readonly number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? Number.NaN
}

function round1(value: number): number {
  return Math.round(value * 10) / 10
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message as T)
    }
    const onExit = (code: number | null) => reject(new Error(`miss-storm worker exited with ${code} while waiting for ${type}`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

async function everyone<T>(children: ChildProcess[], message: object, reply: string): Promise<T[]> {
  const answers = children.map((child) => next<T>(child, reply))
  for (const child of children) child.send(message)
  return Promise.all(answers)
}
