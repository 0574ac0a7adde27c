/**
 * Redis commands per operation, two ways, on the benchmark's own server:
 * - executed: CONFIG RESETSTAT before a measured stretch, INFO commandstats after it.
 *   This counts commands run inside Lua scripts too (an EVALSHA doing INCR and PEXPIRE
 *   counts 3).
 * - server CPU: INFO cpu deltas over the same stretch (everything the server did, divided
 *   by the operations).
 * - sent: a short separate pass under MONITOR, which tells commands clients sent from
 *   commands scripts ran (source "lua"). A MULTI/EXEC block counts every command in it.
 * The bookkeeping commands themselves are left out.
 */
import { Redis } from 'ioredis'

const BOOKKEEPING = new Set(['info', 'config'])

export class CommandStats {
  private readonly client: Redis

  constructor(private readonly url: string) {
    // RESP2 and no auto-pipelining: a plain side connection that never batches with anything.
    this.client = new Redis(url, { protocol: 2, enableAutoPipelining: false })
  }

  async reset(): Promise<void> {
    await this.client.config('RESETSTAT')
  }

  /** The server's CPU time (user + system), µs: INFO cpu, which CONFIG RESETSTAT does not reset. */
  async serverCpuUs(): Promise<number> {
    const text = await this.client.info('cpu')
    const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? Number.NaN)
    return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6)
  }

  /** Calls per command since the last reset. */
  async read(): Promise<Record<string, number>> {
    const text = await this.client.info('commandstats')
    const calls: Record<string, number> = {}
    for (const line of text.split('\r\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
      if (!match) continue
      // Redis 7 names subcommands `config|resetstat`: the family decides what is bookkeeping.
      const name = (match[1] as string).toLowerCase()
      if (!BOOKKEEPING.has(name.split('|')[0] as string)) calls[name] = Number(match[2])
    }
    return calls
  }

  /**
   * Counts the commands clients send (not those scripts run) while `work` runs. MONITOR
   * slows the server, so this is only for counting, never for timing.
   */
  async countSent(work: () => Promise<number>): Promise<{ operations: number; sent: Record<string, number> }> {
    const monitor = await this.client.monitor()
    const sent: Record<string, number> = {}
    const marker = `bench-marker-${Math.random().toString(36).slice(2)}`
    let sawMarker: () => void = () => {}
    const markerSeen = new Promise<void>((resolve) => (sawMarker = resolve))
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = (args[0] ?? '').toLowerCase()
      if (name === 'echo' && args[1] === marker) return sawMarker()
      // The harness's own connection setup and bookkeeping are not the contender's.
      if (name === 'echo' || name === 'hello' || name === 'client') return
      if (source === 'lua' || BOOKKEEPING.has(name) || name === 'monitor') return
      sent[name] = (sent[name] ?? 0) + 1
    })
    try {
      const operations = await work()
      const side = new Redis(this.url, { protocol: 2 })
      await side.echo(marker)
      await markerSeen
      side.disconnect()
      return { operations, sent }
    } finally {
      monitor.disconnect()
    }
  }

  async serverVersion(): Promise<string> {
    const text = await this.client.info('server')
    return /redis_version:([^\r\n]+)/.exec(text)?.[1] ?? 'unknown'
  }

  async close(): Promise<void> {
    await this.client.quit()
  }
}

/** Adds `calls` into `total`. */
export function addCalls(total: Record<string, number>, calls: Record<string, number>): void {
  for (const [name, count] of Object.entries(calls)) total[name] = (total[name] ?? 0) + count
}

/** Calls per operation, rounded to 3 decimals, and their sum. */
export function perOperation(total: Record<string, number>, operations: number): { byCommand: Record<string, number>; total: number } {
  const byCommand: Record<string, number> = {}
  let sum = 0
  for (const [name, count] of Object.entries(total).sort(([, a], [, b]) => b - a)) {
    const perOp = operations === 0 ? 0 : count / operations
    if (perOp < 0.0005) continue
    byCommand[name] = Math.round(perOp * 1000) / 1000
    sum += perOp
  }
  return { byCommand, total: Math.round(sum * 1000) / 1000 }
}
