/** The limits: raw Map / lru-cache in process, raw ioredis GET + JSON.parse on Redis. */
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import type { Item } from '../harness/data.js'
import type { Contender } from '../harness/measure.js'
import { keyNames } from './subject.js'

/** A synchronous `Map.get`. */
export function mapGet(items: readonly Item[]): Contender {
  const keys = keyNames(items.length)
  const map = new Map(items.map((item, n) => [keys[n]!, item]))
  return { id: 'map-sync', label: 'Map.get (sync)', library: '', kind: 'baseline', sync: true, op: (key) => map.get(keys[key]!) }
}

/** An lru-cache `get`, synchronous or returned through an awaited Promise (the ceiling for any promise-returning getOrSet). */
export function lruGet(items: readonly Item[], awaited: boolean): Contender {
  const keys = keyNames(items.length)
  const lru = new LRUCache<string, Item>({ max: items.length })
  items.forEach((item, n) => lru.set(keys[n]!, item))
  return awaited
    ? { id: 'lru-await', label: 'lru-cache get, awaited', library: 'lru-cache', kind: 'baseline', op: async (key) => lru.get(keys[key]!) }
    : {
        id: 'lru-sync',
        label: 'lru-cache get (sync)',
        library: 'lru-cache',
        kind: 'baseline',
        sync: true,
        op: (key) => lru.get(keys[key]!),
      }
}

export interface RawRedis extends Contender {
  close(): Promise<void>
}

/** ioredis GET + JSON.parse of values stored as plain JSON, with default options or with auto-pipelining. */
export async function ioredisGet(url: string, prefix: string, items: readonly Item[], autoPipelining: boolean): Promise<RawRedis> {
  const client = new Redis(url, { enableAutoPipelining: autoPipelining })
  const keys = keyNames(items.length).map((key) => `${prefix}:${key}`)
  const fill = client.pipeline()
  items.forEach((item, n) => fill.set(keys[n]!, JSON.stringify(item), 'PX', 3_600_000))
  await fill.exec()
  return {
    id: autoPipelining ? 'ioredis-autopipe' : 'ioredis',
    label: autoPipelining ? 'ioredis GET + JSON.parse (auto-pipelining)' : 'ioredis GET + JSON.parse (default options)',
    library: 'ioredis',
    kind: 'baseline',
    op: async (key) => {
      const text = await client.get(keys[key]!)
      return text === null ? undefined : JSON.parse(text)
    },
    close: async () => void (await client.quit()),
  }
}
