/** From what a caller passes (a key object or a plain string) to the key and its policy. */
import { parseDuration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import type { CacheKey, KeyPriority } from '../keys/key-family.js'
import type { Namespace } from '../keys/namespace.js'
import { hasReservedSegment } from '../keys/reserved.js'
import type { CacheKeyInput } from './config.js'
import type { CacheCallOptions } from './types.js'

/** A key with its policy. */
export interface Resolved {
  full: string
  /** The key below the namespace: what the L1 tier is keyed by (one kit, one namespace). */
  rel: string
  family: string
  priority: KeyPriority
  ttlMs: number
  graceMs: number
  tags: readonly string[]
  schema: CacheKey['schema']
}

const NO_TAGS: readonly string[] = Object.freeze([])

/** Resolves keys under one namespace, with the kit's defaults for plain string keys. */
export class KeyResolver {
  constructor(
    private readonly namespace: Namespace,
    private readonly defaults: { readonly ttlMs: number | undefined; readonly graceMs: number },
  ) {}

  /**
   * Resolves a key and its policy. Reads pass `needsTtl = false`: only writes need a TTL.
   * @throws {ValidationError} for an empty or reserved key, or a write without a ttl.
   */
  resolve<Value>(key: CacheKeyInput<Value>, options: CacheCallOptions<Value>, needsTtl = true): Resolved {
    if (typeof key !== 'string') {
      if (typeof key !== 'object' || key === null || typeof key.key !== 'string')
        throw new ValidationError('cache key must be a string or a key built by defineKeys')
      return {
        full: this.namespace.key(key.key),
        rel: key.key,
        family: key.family,
        priority: key.priority,
        ttlMs: key.ttlMs,
        graceMs: key.graceMs,
        tags: key.tags,
        schema: key.schema,
      }
    }
    if (key.length === 0) throw new ValidationError('cache key must not be empty')
    // A segment starting with '__' belongs to a feature of this kit, or of a kit nested below it (`prod:__lock:...`).
    if (hasReservedSegment(key))
      throw new ValidationError(`cache key ${JSON.stringify(key)}: segments starting with '__' are reserved for cachekit's own features`)
    const ttlMs = options.ttl === undefined ? this.defaults.ttlMs : parseDuration(options.ttl, 'ttl')
    if (ttlMs === undefined && needsTtl)
      throw new ValidationError(`cache key ${JSON.stringify(key)} has no ttl: pass { ttl } or set the kit's defaultTtl`)
    return {
      full: this.namespace.key(key),
      rel: key,
      family: familyOf(key),
      priority: 'normal',
      ttlMs: ttlMs ?? 0,
      graceMs: ttlMs === undefined ? 0 : this.defaults.graceMs,
      tags: NO_TAGS,
      schema: undefined,
    }
  }
}

/** The family of a plain string key: its first segment. */
export function familyOf(key: string): string {
  const colon = key.indexOf(':')
  return colon > 0 ? key.slice(0, colon) : key
}
