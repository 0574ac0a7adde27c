import type { BuildProgress, BuildReport } from '../builders/types.js'
import type { DegradedReport, OutageEvent } from '../monitor/outages.js'
import type { BusState } from './bus.js'
import type { CircuitState } from '../drivers/resilient.js'
import type { CascadeReport } from '../invalidation/cascades.js'
import type { PatternProgress } from '../invalidation/pattern.js'

/** Where a hit was served from. */
export type Tier = 'l1' | 'remote'

/** Events of `kit.cache` (subscribe with `kit.events.on(name, listener)`). */
export interface CacheEvents {
  hit: { key: string; family: string; tier: Tier }
  'stale-hit': { key: string; family: string; tier: Tier }
  miss: { key: string; family: string }
  load: { key: string; family: string; durationMs: number }
  'load-error': { key: string; family: string; error: unknown; servedStale: boolean }
  set: { key: string; family: string }
  delete: { keys: readonly string[] }
  /** A stored value failed its schema or could not be decoded: treated as a miss. */
  invalid: { key: string; family: string; reason: 'schema' | 'corrupt'; issues?: readonly unknown[] }
  /**
   * The driver failed and the cache answered without it (fail open), or a write was
   * dropped. During an outage only its first failure is reported (the rest are counted in
   * `outage: ended`); outside one, at most one per operation and error code a second, with
   * `suppressed` saying how many like it were held back.
   */
  degraded: DegradedReport
  /** The driver went away (the first timeout or lost connection) or came back (the first success after). */
  outage: OutageEvent
  /** The circuit breaker changed state. */
  circuit: { state: CircuitState; previous: CircuitState }
  /**
   * The cache bus changed state. While it is not `active`, this process keeps no L1
   * copies; on `interrupted` it drops the copies and tag stamps it had, since
   * announcements may have been lost.
   */
  bus: { state: BusState; previous: BusState }
  /** An invalidation completed: tags, a pattern, `clear()` or a cascade. */
  invalidate: InvalidationEvent
  /** A pattern invalidation or `clear()` finished a batch. */
  'invalidate-progress': PatternProgress
  /** A cache builder finished a build. */
  build: BuildReport
  /** A cache builder advanced (loading, writing, pruning). */
  'build-progress': BuildProgress
  /** A scheduled or warm-up build failed (a build you call rejects instead). */
  'build-error': { builder: string; reason: 'schedule' | 'warm'; error: unknown }
  /**
   * A misconfiguration noticed while serving requests, reported once per kind and scope
   * (docs/rate-limiting.md), or a response too large for its response cache (docs/security.md).
   */
  warning: CachekitWarning
}

/** The payload of the `warning` event. */
export interface CachekitWarning {
  code: CachekitWarningCode
  message: string
  /** The rate-limit policy whose middleware noticed it. */
  policy?: string
  /** The response cache's route (its key, or Nest's URL) whose response it is about. */
  route?: string
}

/**
 * What a `warning` is about: a client address that cannot be known (`CLIENT_IP_UNDEFINED`),
 * `X-Forwarded-For` arriving while no proxy is trusted (`UNTRUSTED_FORWARDED_FOR`), Express's
 * `trust proxy` set to `true` (`PERMISSIVE_TRUST_PROXY`), a key that counts single IPv6
 * addresses (`UNGROUPED_IPV6_KEY`), a key taken from an `X-Forwarded-For` entry the
 * client wrote (`FORGEABLE_KEY`), a response larger than its response cache's `maxBodyBytes`,
 * sent but not stored (`RESPONSE_TOO_LARGE`).
 */
export type CachekitWarningCode = 'CLIENT_IP_UNDEFINED' | 'UNTRUSTED_FORWARDED_FOR' | 'PERMISSIVE_TRUST_PROXY' | 'UNGROUPED_IPV6_KEY' | 'FORGEABLE_KEY' | 'RESPONSE_TOO_LARGE'

/** The payload of the `invalidate` event. */
export type InvalidationEvent =
  | { kind: 'tags'; tags: readonly string[]; mode: 'delete' | 'expire' }
  | { kind: 'pattern' | 'clear'; pattern: string; deleted: number }
  | { kind: 'cascade'; cascade: string; report: CascadeReport }
