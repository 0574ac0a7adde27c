/**
 * A lock this process may have taken but gave up on is given back, even through an open
 * breaker: on a real redis-server of this file's own, SIGSTOPped while eight acquires are in
 * flight. Every acquire times out (the breaker opens after five), the scripts land when the
 * server continues, and each resource would stay locked by nobody for the whole 30 s TTL;
 * the give-backs, kept and sent again, free them within seconds.
 */
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CircuitOpenError, DriverError } from '../../src/core/errors/index.js'
import { lockKeys } from '../../src/lock/lock-keys.js'
import { useOutage } from '../support/outage.js'
import { rawRedis } from '../support/raw-redis.js'
import { useKit } from '../support/use-kit.js'
import { patience } from '../support/wait.js'

const RESOURCES = Array.from({ length: 8 }, (_, index) => `payout:${index}`)

// The server is this file's own and the kits talk to it directly. The default breaker
// (opens after 5 failures) and the default 30 s lock TTL; each test's kits share a prefix.
const outage = useOutage({ driver: { commandTimeoutMs: 300 }, failOnUnhandled: true })
const make = useKit(outage.directTarget, { label: 'give-back', prefixPerTest: true })
let raw: Redis

beforeAll(() => {
  raw = rawRedis(outage.directUrl)
  raw.on('error', () => undefined)
})
afterAll(() => {
  raw.disconnect()
})

/** Where the kit with `prefix` keeps the lock on `resource` (its namespace prefix ends in ':'). */
function lockKey(prefix: string, resource: string): string {
  return lockKeys(`${prefix}:`, resource).key
}

async function heldCount(prefix: string): Promise<number> {
  const held = await Promise.all(RESOURCES.map((resource) => raw.exists(lockKey(prefix, resource))))
  return held.reduce((sum, one) => sum + one, 0)
}

describe('lock acquires that time out together', () => {
  it('are given back after the server continues, through the open breaker, long before their TTL', async () => {
    const prefix = make.prefix
    const a = make()
    await a.driver.ping()
    await outage.pauseServer()
    const results = await Promise.allSettled(RESOURCES.map((resource) => a.locks.acquire(resource, { wait: '5s' })))
    for (const result of results) {
      expect(result.status).toBe('rejected')
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DriverError)
    }
    expect(a.circuit).toBe('open')
    const resumedAt = Date.now()
    await outage.resumeServer()
    // The acquire scripts land when the server continues: the locks are taken by nobody
    // until their give-backs arrive. Another instance gets each one well before the 30 s TTL.
    const b = make()
    for (const resource of RESOURCES) {
      const lock = await b.locks.acquire(resource, { wait: '12s' })
      await lock.release()
    }
    expect(Date.now() - resumedAt).toBeLessThan(15_000)
    expect(await heldCount(prefix)).toBe(0)
  }, 60_000)

  it('a release refused by the open breaker is given back once Redis answers again', async () => {
    const prefix = make.prefix
    const a = make()
    const lock = await a.locks.acquire('payout:release', { ttl: '30s' })
    expect(await raw.exists(lockKey(prefix, 'payout:release'))).toBe(1)
    await outage.pauseServer()
    // Five failures open the breaker: the release is refused without being sent.
    await Promise.allSettled(Array.from({ length: 5 }, (_, index) => a.driver.get(`probe:${index}`)))
    expect(a.circuit).toBe('open')
    await expect(lock.release()).rejects.toBeInstanceOf(CircuitOpenError)
    await outage.resumeServer()
    await vi.waitFor(async () => expect(await raw.exists(lockKey(prefix, 'payout:release'))).toBe(0), { ...patience, timeout: 15_000 })
  }, 60_000)
})
