/** One miss storm: many concurrent getOrSet calls on cold keys, a slow loader, counted. */
import { Redis } from 'ioredis'
import { makeItems, type Item } from '../../harness/data.js'
import { asyncCacheDedupeSubject } from '../../subjects/async-cache-dedupe.js'
import { bentocacheSubject } from '../../subjects/bentocache.js'
import { cacheManagerSubject } from '../../subjects/cache-manager.js'
import { cacheableSubject } from '../../subjects/cacheable.js'
import { cachekitSubject } from '../../subjects/cachekit.js'
import { keyNames, NO_LOADER, type CacheSubject, type SubjectConfig } from '../../subjects/subject.js'

export const STORM_KEYS = 100
export const LOADER_MS = 20

/** Subject ids in the storm, in report order. */
export const STORM_IDS = ['naive', 'cachekit', 'async-cache-dedupe', 'cache-manager', 'bentocache', 'cacheable'] as const

export interface StormOutcome {
  loaderCalls: number
  wallMs: number
  /** Each request's time from the storm's start to its answer, ms. */
  latencies: number[]
}

/** Fires `requests` getOrSet calls at once over keys `base .. base + STORM_KEYS - 1` (request i reads key base + i % STORM_KEYS). */
export async function runStorm(subject: CacheSubject, base: number, requests: number, items: readonly Item[]): Promise<StormOutcome> {
  let loaderCalls = 0
  subject.loader = async (key) => {
    loaderCalls++
    await new Promise((resolve) => setTimeout(resolve, LOADER_MS))
    return items[key % items.length]
  }
  const latencies: number[] = new Array(requests)
  const start = performance.now()
  await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      await subject.getOrSet(base + (i % STORM_KEYS))
      latencies[i] = performance.now() - start
    }),
  )
  const wallMs = performance.now() - start
  subject.loader = NO_LOADER
  return { loaderCalls, wallMs, latencies }
}

/** The storm's subjects, each in its Redis configuration, under the given prefixes (shared by every process). */
export async function stormSubjects(
  redis: SubjectConfig['redis'],
  prefixes: Record<string, string>,
  keyCount: number,
): Promise<CacheSubject[]> {
  const config = (id: string): SubjectConfig => ({
    mode: 'redis',
    redis,
    prefix: prefixes[id] as string,
    keyCount,
    l1MaxEntries: keyCount,
    ttlMs: 3_600_000,
  })
  return [
    await naiveCacheAside(config('naive')),
    await cachekitSubject(config('cachekit')),
    (await asyncCacheDedupeSubject(config('async-cache-dedupe'))) as CacheSubject,
    await cacheManagerSubject(config('cache-manager')),
    await bentocacheSubject(config('bentocache')),
    await cacheableSubject(config('cacheable')),
  ]
}

/** Values the loaders return. */
export function stormItems(): Item[] {
  return makeItems(STORM_KEYS)
}

/** The baseline: cache-aside written by hand with ioredis (GET, loader on a miss, SET), no deduplication. */
async function naiveCacheAside(config: SubjectConfig): Promise<CacheSubject> {
  const client = new Redis(config.redis.url, { enableAutoPipelining: true })
  const keys = keyNames(config.keyCount).map((key) => `${config.prefix}:${key}`)
  const subject: CacheSubject = {
    id: 'naive',
    label: 'hand-written cache-aside (ioredis GET/SET)',
    library: 'ioredis',
    kind: 'baseline',
    loader: NO_LOADER,
    getOrSet: async (key) => {
      const text = await client.get(keys[key]!)
      if (text !== null) return JSON.parse(text)
      const value = await subject.loader(key)
      await client.set(keys[key]!, JSON.stringify(value), 'PX', config.ttlMs)
      return value
    },
    close: async () => void (await client.quit()),
  }
  return subject
}
