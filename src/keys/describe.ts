import { formatDuration } from './format-duration.js'
import type { KeyFamilySpec, KeyPriority } from './key-family.js'

/** One row of the TTL table `keys.describe()` returns: plain, JSON-serializable data. */
export interface KeyDescription {
  /** The family's name in `defineKeys`. */
  readonly family: string
  readonly template: string
  /** Parameter names in template order. */
  readonly params: readonly string[]
  readonly ttlMs: number
  /** `ttlMs` as people write it: `'1h'`, `'1h30m'`. */
  readonly ttl: string
  readonly graceMs: number
  /** `graceMs` as people write it; `'0ms'` without grace. */
  readonly grace: string
  /** Static tags, or `'dynamic'` when a function computes them per key. */
  readonly tags: readonly string[] | 'dynamic'
  readonly priority: KeyPriority
  /** True when stored values are validated on read. */
  readonly hasSchema: boolean
  /** Parameters forming the cluster hash tag; empty without one. */
  readonly hashTag: readonly string[]
}

/** The TTL table row of one family. */
export function describeFamily(spec: KeyFamilySpec): KeyDescription {
  return {
    family: spec.family,
    template: spec.compiled.template,
    params: [...spec.compiled.names],
    ttlMs: spec.ttlMs,
    ttl: formatDuration(spec.ttlMs),
    graceMs: spec.graceMs,
    grace: formatDuration(spec.graceMs),
    tags: typeof spec.tags === 'function' ? 'dynamic' : [...spec.tags],
    priority: spec.priority,
    hasSchema: spec.schema !== undefined,
    hashTag: [...spec.hashTag],
  }
}
