/** A caching library set up the way its documentation recommends, behind one small interface. */
import type { RowResult } from '../harness/types.js'

/** Where entries live: in process only, Redis only, or an in-process tier in front of Redis. */
export type CacheMode = 'memory' | 'redis' | 'tiered'

export interface SubjectConfig {
  mode: CacheMode
  /** The server; `db` selects a logical database (0 by default), `url` already names it. */
  redis: { host: string; port: number; url: string; db?: number }
  /** A prefix (or namespace) no other subject uses. */
  prefix: string
  /** Keys are `item:<n>` for n below this. */
  keyCount: number
  /** Entries the in-process tier may hold. */
  l1MaxEntries: number
  ttlMs: number
}

export interface CacheSubject {
  readonly id: string
  readonly label: string
  /** npm package whose version is printed. */
  readonly library: string
  readonly kind: RowResult['kind']
  /** What the library calls on a miss for key number `key`. Set by the scenario. */
  loader: (key: number) => Promise<unknown>
  /** The library's own get-or-set (getOrSet, wrap, cachified, a defined function) for key number `key`. */
  getOrSet(key: number): Promise<unknown>
  close(): Promise<void>
}

/** Builds a subject for `config`, or returns undefined when the library has no such mode. */
export type SubjectFactory = (config: SubjectConfig) => Promise<CacheSubject | undefined>

/** The key every library stores key number `n` under (before its own prefix). */
export function keyName(n: number): string {
  return `item:${n}`
}

/** Key names for `count` keys, built once, outside the timed region. */
export function keyNames(count: number): string[] {
  return Array.from({ length: count }, (_, n) => keyName(n))
}

export const NO_LOADER = (key: number): Promise<unknown> => Promise.reject(new Error(`no loader set (key ${key})`))
