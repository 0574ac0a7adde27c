/**
 * A raw ioredis client (RESP2) for tests that must talk to Redis without going through
 * a cachekit driver: script SHA checks, Lua/JS parity, glob differential checks.
 */
import { Redis } from 'ioredis'
import { inject } from 'vitest'

export function rawRedis(url = inject('redisUrl')): Redis {
  return new Redis(url, { protocol: 2, lazyConnect: false, maxRetriesPerRequest: 1 })
}

/** A random prefix so concurrent test files never see each other's keys. */
export function testPrefix(label: string): string {
  return `t:${label}:${globalThis.crypto.randomUUID().slice(0, 8)}:`
}
