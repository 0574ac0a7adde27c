/**
 * Faults on a real Redis Cluster of this file's own: 3 masters with one replica each, on
 * free loopback ports (test/support/redis-cluster.ts). A hung master opens only its own
 * circuit; a coordinated `CLUSTER FAILOVER` and a SIGKILLed master under load never
 * surface MOVED, never break lock exclusion or fencing, never admit past a limit, and
 * never leave an unhandled rejection.
 */
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CircuitOpenError, CommandError, DriverError } from '../../../src/core/errors/index.js'
import { hashSlot } from '../../../src/core/slot.js'
import { ioredisDriver } from '../../../src/drivers/ioredis/index.js'
import { createCachekit } from '../../../src/kit.js'
import { startRedisCluster, type RedisClusterHandle } from '../../support/redis-cluster.js'
import { rawCommand, type RedisProcess } from '../../support/redis-process.js'
import { uniquePrefix } from '../../support/targets.js'

// A replica takes over 2 s after its master stops answering: long enough that a short
// pause does not fail over, short enough for the SIGKILL test.
const NODE_TIMEOUT_MS = 2000
// Generous for a loaded 2-core machine: a failover here takes 3-6 s.
const FAILOVER_PATIENCE = { timeout: 30_000, interval: 50 }

let cluster: RedisClusterHandle
let admin: Cluster
const kits: Array<{ close(): Promise<void> }> = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled)
  cluster = await startRedisCluster({ replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS })
  admin = new Cluster(cluster.nodes, { redisOptions: { protocol: 2 } })
  admin.on('error', () => undefined)
  await admin.ping()
}, 90_000)

afterAll(async () => {
  await Promise.all(kits.map((kit) => kit.close()))
  admin?.disconnect()
  await cluster?.stop()
  process.off('unhandledRejection', onUnhandled)
})

function makeKit(options: { commandTimeoutMs?: number; onError?: 'throw' } = {}) {
  const kit = createCachekit({
    prefix: uniquePrefix('cf'),
    ...(options.onError ? { onError: options.onError } : {}),
    driver: ioredisDriver({
      cluster: cluster.nodes.slice(0, 3),
      commandTimeoutMs: options.commandTimeoutMs ?? 300,
      onHandlerError: () => undefined,
    }),
    rateLimits: { api: { algorithm: 'fixed-window', limit: 200, window: '1h' } },
  })
  kits.push(kit)
  return kit
}

interface NodeRow {
  readonly id: string
  readonly address: string
  readonly role: 'master' | 'slave'
  readonly masterId: string
  readonly alive: boolean
}

/** CLUSTER NODES as one node sees it. */
async function topology(port: number): Promise<NodeRow[]> {
  const text = await rawCommand(port, 'CLUSTER NODES', 1000)
  return text
    .split('\n')
    .map((line) => line.replace(/^\$\d+\r?$/, '').trim())
    .filter((line) => /^[0-9a-f]{40} /.test(line))
    .map((line) => {
      const [id, address, flags, masterId] = line.split(' ') as [string, string, string, string]
      return {
        id,
        address: address.split('@')[0] as string,
        role: flags.includes('master') ? 'master' : 'slave',
        masterId,
        alive: !flags.includes('fail') && !flags.includes('handshake'),
      }
    })
}

function processAt(address: string): RedisProcess {
  const found = cluster.processes.find((node) => `${node.host}:${node.port}` === address)
  if (!found) throw new Error(`no process at ${address}`)
  return found
}

/** A live process to ask about the topology (not `except`). */
function witness(except?: string): RedisProcess {
  return cluster.processes.find((node) => `${node.host}:${node.port}` !== except) as RedisProcess
}

/** A master with a live replica, as the cluster sees them now (the `index`th such, wrapping). */
async function pair(index: number): Promise<{ master: string; replica: string }> {
  const rows = await topology(witness().port)
  const masters = rows.filter((row) => row.role === 'master' && row.alive).sort((a, b) => a.address.localeCompare(b.address))
  for (let i = 0; i < masters.length; i++) {
    const master = masters[(index + i) % masters.length] as NodeRow
    const replica = rows.find((row) => row.role === 'slave' && row.masterId === master.id && row.alive)
    if (replica) return { master: master.address, replica: replica.address }
  }
  throw new Error('no master has a live replica')
}

/** Names whose hash slot the given master owns, and names on the other masters. */
async function namesBy(owner: string, count: number): Promise<{ on: string[]; off: string[] }> {
  await new Promise<void>((resolve) => admin.refreshSlotsCache(() => resolve()))
  const on: string[] = []
  const off: string[] = []
  for (let i = 0; on.length < count || off.length < count; i++) {
    if (i > 100_000)
      throw new Error(
        `no slot of ${owner} among 100,000 names (slot owners: ${[...new Set(admin.slots.map((nodes) => nodes?.[0]))].join(', ')})`,
      )
    const name = `r${i}`
    const here = admin.slots[hashSlot(name)]?.[0] === owner
    if (here && on.length < count) on.push(name)
    if (!here && off.length < count) off.push(name)
  }
  return { on, off }
}

describe('per-node circuits on a cluster', () => {
  it('a hung master opens only its own circuit: locks and cache on the healthy masters go on', async () => {
    const kit = makeKit()
    const circuits: Array<{ state: string; node?: string }> = []
    kit.events.on('circuit', (event) => circuits.push(event))
    const { master } = await pair(0)
    const { on, off } = await namesBy(master, 8)
    // Warm every node's connection first.
    await Promise.all([...on, ...off].map((name) => kit.cache.set(`{${name}}:v`, name, { ttl: '1m' })))

    await processAt(master).pause()
    try {
      const onVictim = await Promise.allSettled(on.map((name) => kit.locks.acquire(name)))
      for (const result of onVictim) {
        expect(result.status).toBe('rejected')
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DriverError)
      }
      // The victim's circuit is open, and only its: healthy keys are served by Redis.
      await expect(kit.locks.acquire(on[0] as string)).rejects.toBeInstanceOf(CircuitOpenError)
      for (const name of off) {
        const lock = await kit.locks.acquire(name)
        await lock.release()
        expect(await kit.cache.get(`{${name}}:v`)).toBe(name)
      }
      expect(circuits.filter((event) => event.state === 'open').map((event) => event.node)).toEqual([master])
      expect(kit.circuit).toBe('open')
    } finally {
      await processAt(master).resume()
    }
    // Back: a probe closes the victim's circuit and its locks work again.
    await vi.waitFor(async () => (await kit.locks.acquire(on[0] as string, { ttl: '1s' })).release(), { timeout: 15_000, interval: 100 })
    await vi.waitFor(() => expect(kit.circuit).toBe('closed'), { timeout: 15_000, interval: 50 })
  }, 60_000)
})

/** Runs lock cycles, cache writes and limiter checks until `stop()`, recording what went wrong. */
function load(kit: ReturnType<typeof makeKit>, resources: readonly string[]) {
  const failures: unknown[] = []
  const fences = new Map<string, number[]>()
  const holders = new Map<string, number>()
  let overlaps = 0
  let cycles = 0
  let admitted = 0
  let running = true
  const lockWorker = async (resource: string) => {
    while (running) {
      try {
        await kit.locks.withLock(
          resource,
          async (lock) => {
            holders.set(resource, (holders.get(resource) ?? 0) + 1)
            if ((holders.get(resource) ?? 0) > 1) overlaps++
            const seen = fences.get(resource) ?? []
            seen.push(lock.fencingToken)
            fences.set(resource, seen)
            await kit.cache.set(`{${resource}}:last`, lock.fencingToken, { ttl: '1m' })
            holders.set(resource, (holders.get(resource) ?? 1) - 1)
          },
          { wait: '10s' },
        )
        cycles++
      } catch (error) {
        if (failures.length < 100) failures.push(error)
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
  }
  const limitWorker = async (id: string) => {
    while (running) {
      const result = await kit.rateLimits.limit('api', id)
      if (result.allowed) admitted++
      // Denials come from the in-process block cache without I/O: let timers run.
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const workers = [...resources.map(lockWorker), limitWorker('hot'), limitWorker('hot')]
  return {
    failures,
    fences,
    get overlaps() {
      return overlaps
    },
    get cycles() {
      return cycles
    },
    get admitted() {
      return admitted
    },
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

function expectFencesIncrease(fences: Map<string, number[]>): void {
  for (const [resource, seen] of fences) {
    for (let i = 1; i < seen.length; i++)
      if (!((seen[i] as number) > (seen[i - 1] as number)))
        throw new Error(`fencing token of ${resource} went from ${seen[i - 1]} to ${seen[i]}`)
  }
}

describe('failover under load', () => {
  it('CLUSTER FAILOVER: no MOVED or other rejection reaches withLock, fencing only grows, the limiter stays exact', async () => {
    // A coordinated failover pauses writes on the old master until its replica has caught
    // up and taken over (about a second, more on a loaded machine): the command timeout must
    // outlast that pause, or the test would be about timeouts instead of redirects.
    const kit = makeKit({ commandTimeoutMs: 8000 })
    const { master, replica } = await pair(1)
    const { on, off } = await namesBy(master, 8)
    const running = load(kit, [...on, ...off])
    await vi.waitFor(() => expect(running.cycles).toBeGreaterThan(100), FAILOVER_PATIENCE)

    await rawCommand(processAt(replica).port, 'CLUSTER FAILOVER', 2000)
    await vi.waitFor(async () => {
      const rows = await topology(processAt(replica).port)
      expect(rows.find((row) => row.address === replica)?.role).toBe('master')
    }, FAILOVER_PATIENCE)
    const after = running.cycles
    await vi.waitFor(() => expect(running.cycles).toBeGreaterThan(after + 200), FAILOVER_PATIENCE)
    await running.stop()

    expect(running.failures.map(String)).toEqual([])
    expect(running.overlaps).toBe(0)
    expectFencesIncrease(running.fences)
    // 200 per window and no outage: counting on until the first denial, exactly 200 admitted.
    let admitted = running.admitted
    for (let asked = 0; asked < 300 && admitted < 1000; asked++) {
      const result = await kit.rateLimits.limit('api', 'hot')
      if (!result.allowed) break
      admitted++
    }
    expect(admitted).toBe(200)
    for (const name of on) expect(await kit.cache.get(`{${name}}:last`)).toBe(running.fences.get(name)?.at(-1))
    expect(unhandled).toEqual([])
  }, 120_000)

  it('a SIGKILLed master: its slots fail fast then come back on the promoted replica; the other masters go on', async () => {
    // onError 'throw': a read or write that could not reach Redis rejects instead of failing open, so it is seen.
    const kit = makeKit({ onError: 'throw' })
    const { master, replica } = await pair(2)
    const { on, off } = await namesBy(master, 6)
    const offFailures: unknown[] = []
    const onFailures: unknown[] = []
    let running = true
    let offCycles = 0
    let onCycles = 0
    let failureCount = 0
    const worker = async (name: string, healthy: boolean) => {
      while (running) {
        try {
          await kit.cache.set(`{${name}}:v`, name, { ttl: '1m' })
          const value = await kit.cache.get(`{${name}}:v`)
          // Never a wrong value: what was written, or a miss while the slot is away.
          if (value !== undefined && value !== name) throw new Error(`${name} read ${String(value)}`)
          if (healthy) offCycles++
          else onCycles++
          // A load generator, not a benchmark: let timers (and waitFor) run between cycles.
          await new Promise((resolve) => setImmediate(resolve))
        } catch (error) {
          const failures = healthy ? offFailures : onFailures
          failureCount++
          if (failures.length < 1000) failures.push(error)
          await new Promise((resolve) => setTimeout(resolve, 5))
        }
      }
    }
    const workers = [...off.map((name) => worker(name, true)), ...on.map((name) => worker(name, false))]
    await vi.waitFor(() => expect(offCycles).toBeGreaterThan(100), FAILOVER_PATIENCE)

    await processAt(master).stop()
    // While the master is dead and its replica not yet promoted, the other masters serve.
    const offAtDeath = offCycles
    const onAtDeath = onCycles
    await vi.waitFor(() => expect(onFailures.length).toBeGreaterThan(0), FAILOVER_PATIENCE)
    await vi.waitFor(() => expect(offCycles).toBeGreaterThan(offAtDeath + 100), FAILOVER_PATIENCE)
    await vi.waitFor(async () => {
      const rows = await topology(processAt(replica).port)
      expect(rows.find((row) => row.role === 'master' && row.address === replica)).toBeDefined()
    }, FAILOVER_PATIENCE)
    // The promoted replica serves the dead master's slots, and every master serves without failing.
    await vi.waitFor(() => expect(onCycles).toBeGreaterThan(onAtDeath + 50), FAILOVER_PATIENCE)
    // Then a stretch of 200 cycles on each side with no failure at all (ioredis may still
    // be settling its slot table for a moment after the promotion).
    let baseline = { failures: failureCount, off: offCycles, on: onCycles }
    await vi.waitFor(() => {
      if (failureCount !== baseline.failures) baseline = { failures: failureCount, off: offCycles, on: onCycles }
      expect(offCycles - baseline.off).toBeGreaterThan(200)
      expect(onCycles - baseline.on).toBeGreaterThan(200)
    }, FAILOVER_PATIENCE)
    running = false
    await Promise.all(workers)

    // Failures were outages only (a timeout, a dropped connection, an open circuit), never a refused command.
    for (const error of [...onFailures, ...offFailures]) {
      expect(error).toBeInstanceOf(DriverError)
      expect(error).not.toBeInstanceOf(CommandError)
    }
    expect(unhandled).toEqual([])
  }, 120_000)
})
