import { integerOption } from '../args.js'
import { EXIT, type CommandContext } from '../command.js'
import { table } from '../format.js'

/**
 * `cachekit bench [--ops 2000] [--concurrency 50] [--size 100]`: a quick probe of the
 * server as this machine sees it: SET and GET throughput with `concurrency` calls in
 * flight, and GET latency one call at a time. Its keys live under `<prefix>__bench:` and
 * are deleted afterwards. A probe, not a benchmark: see bench/ for those.
 */
export async function bench(context: CommandContext): Promise<number> {
  const ops = integerOption(context.args, 'ops', 2000)
  const concurrency = integerOption(context.args, 'concurrency', 50)
  const size = integerOption(context.args, 'size', 100)
  const { driver, namespace } = context.kit
  const run = globalThis.crypto.randomUUID().slice(0, 8)
  const keys = Array.from({ length: ops }, (_, i) => namespace.key(`__bench:${run}:${i}`))
  const value = 'x'.repeat(size)
  try {
    const sets = await throughput(keys, concurrency, (key) => driver.set(key, value, { ttlMs: 300_000 }))
    const gets = await throughput(keys, concurrency, (key) => driver.get(key))
    const latency = await sequential(keys.slice(0, Math.min(ops, 500)), (key) => driver.get(key))
    const rows = [
      { op: `SET x${concurrency}`, ...sets },
      { op: `GET x${concurrency}`, ...gets },
      { op: 'GET x1', ...latency },
    ]
    if (context.json) context.printJson({ target: context.connection.target, ops, concurrency, size, results: rows })
    else {
      context.print(`${context.connection.target}: ${ops} keys of ${size} bytes, ${concurrency} calls in flight\n`)
      context.print(
        table(
          ['operation', 'calls', 'ops/sec', 'p50', 'p99'],
          rows.map((row) => [row.op, row.calls, Math.round(row.opsPerSec), ms(row.p50Ms), ms(row.p99Ms)]),
        ),
      )
    }
    return EXIT.ok
  } finally {
    for (let start = 0; start < keys.length; start += 100) await driver.del(keys.slice(start, start + 100)).catch(() => 0)
  }
}

interface Figures {
  calls: number
  opsPerSec: number
  p50Ms: number
  p99Ms: number
}

async function throughput(keys: readonly string[], concurrency: number, call: (key: string) => Promise<unknown>): Promise<Figures> {
  const durations: number[] = []
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string
      const callStarted = performance.now()
      await call(key)
      durations.push(performance.now() - callStarted)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, keys.length) }, worker))
  return figures(durations, performance.now() - started)
}

async function sequential(keys: readonly string[], call: (key: string) => Promise<unknown>): Promise<Figures> {
  const durations: number[] = []
  const started = performance.now()
  for (const key of keys) {
    const callStarted = performance.now()
    await call(key)
    durations.push(performance.now() - callStarted)
  }
  return figures(durations, performance.now() - started)
}

function figures(durations: number[], elapsedMs: number): Figures {
  const sorted = [...durations].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return {
    calls: durations.length,
    opsPerSec: elapsedMs === 0 ? 0 : (durations.length * 1000) / elapsedMs,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  }
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`
}
