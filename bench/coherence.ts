/**
 * Measures how stale L1 and Redis can be after a bus gap, an outage and a hang:
 * `npm run bench:coherence [-- --rounds N]`. Not a speed benchmark: it reports detection
 * and recovery times and counts stale reads, on a redis-server of its own, with a TCP
 * proxy that cuts one instance's connections (test/support). Prints a Markdown table for
 * docs/cache.md ("Coherence").
 *
 * Per round, instance R (L1 on, default options, connections through the proxy) holds a
 * copy of a key; W (another instance) changes it during the fault. Reported:
 * - detect: fault to R's bus going `interrupted`;
 * - rejoin: end of the fault to R's bus `active` again;
 * - replay: end of the fault to R's failed delete reaching Redis (outbox);
 * - stale reads: reads on R, after the fault ended, that answered the value from before it.
 */
import { parseArgs } from 'node:util'
import { ioredisDriver } from '../src/drivers/ioredis/index.js'
import { defineKeys, typed } from '../src/keys/index.js'
import { createCachekit, type Cachekit } from '../src/kit.js'
import { startFaultProxy } from '../test/support/fault-proxy.js'
import { startRedisProcess } from '../test/support/redis-process.js'
import { Redis } from 'ioredis'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } })
const rounds = Number(values.rounds)
const keys = defineKeys({ item: { template: 'item:{id}', ttl: '1h', value: typed<string>() } })
type Kit = Cachekit<typeof keys>

const server = await startRedisProcess()
const proxy = await startFaultProxy({ host: server.host, port: server.port })
const raw = new Redis(server.url)
raw.on('error', () => undefined)

type Fault = 'cut' | 'sigstop' | 'restart'
const results: Record<Fault, { detect: number[]; rejoin: number[]; replay: number[]; stale: number }> = {
  cut: { detect: [], rejoin: [], replay: [], stale: 0 },
  sigstop: { detect: [], rejoin: [], replay: [], stale: 0 },
  restart: { detect: [], rejoin: [], replay: [], stale: 0 },
}

for (let round = 0; round < rounds; round++) {
  for (const fault of ['cut', 'sigstop', 'restart'] as const) await measure(fault, round)
}
console.log('| fault | bus gap detected | bus rejoined | failed delete replayed | stale reads after the fault |')
console.log('|---|---|---|---|---|')
for (const [fault, r] of Object.entries(results)) {
  console.log(
    `| ${label(fault as Fault)} | ${span(r.detect)} | ${span(r.rejoin)} | ${r.replay.length === 0 ? 'n/a' : span(r.replay)} | ${r.stale} of ${rounds * 20} |`,
  )
}
raw.disconnect()
await proxy.close()
await server.stop()

async function measure(fault: Fault, round: number): Promise<void> {
  const prefix = `coherence-${fault}-${round}-${Date.now()}`
  const url = fault === 'cut' ? proxy.url : server.url
  const reader = createCachekit({ driver: ioredisDriver({ url }), prefix, keys, l1: true }) as Kit
  const writer = createCachekit({ driver: ioredisDriver({ url: server.url }), prefix, keys }) as Kit
  await Promise.all([reader.ready(), writer.ready()])
  const states: { state: string; at: number }[] = []
  reader.events.on('bus', ({ state }) => states.push({ state, at: Date.now() }))
  const held = keys.item({ id: 1 })
  const deleted = keys.item({ id: 2 })
  await writer.cache.set(held, 'before')
  await writer.cache.set(deleted, 'before')
  await until(async () => (await reader.cache.get(held)) === 'before' && (await reader.cache.get(deleted)) === 'before')

  const faultAt = Date.now()
  if (fault === 'cut') await proxy.cut()
  else if (fault === 'sigstop') await server.pause()
  else await server.stop()
  await until(() => states.some((s) => s.state === 'interrupted'), 20_000)
  results[fault].detect.push((states.find((s) => s.state === 'interrupted')?.at ?? Date.now()) - faultAt)
  if (fault === 'cut') {
    // R's delete fails (the database changed); W's write is published while R cannot hear it.
    await reader.cache.delete(deleted)
    await writer.cache.set(held, 'after')
  }

  const endedAt = Date.now()
  if (fault === 'cut') await proxy.restore()
  else if (fault === 'sigstop') await server.resume()
  else await server.start()
  await until(() => states.at(-1)?.state === 'active', 20_000)
  results[fault].rejoin.push((states.at(-1)?.at ?? Date.now()) - endedAt)
  if (fault === 'cut') {
    await until(async () => (await raw.get(reader.cache.keyOf(deleted))) === null, 20_000)
    results[fault].replay.push(Date.now() - endedAt)
  }
  if (fault === 'restart') await writer.cache.set(held, 'after')
  const expected = fault === 'sigstop' ? 'before' : 'after'
  for (let read = 0; read < 20; read++) {
    const value = await reader.cache.getOrSet(held, async () => 'after')
    if (value !== expected) results[fault].stale++
  }
  await Promise.all([reader.close(), writer.close()])
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function span(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b)
  return `${sorted[Math.floor(sorted.length / 2)]} ms (max ${sorted.at(-1)})`
}

function label(fault: Fault): string {
  return { cut: "R's connections cut (TCP proxy)", sigstop: 'Redis hung (SIGSTOP)', restart: 'Redis killed, restarted empty' }[fault]
}
