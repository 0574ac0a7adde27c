/**
 * `createCachekit()`: one object that owns the driver, the namespace, the key table and
 * the features built on them, and closes them together.
 */
import { CacheBus } from './cache/bus.js'
import { CacheService } from './cache/cache-service.js'
import { createEntryCodec } from './cache/entry-codec.js'
import type { CacheEvents, CacheInvalidationEvent } from './cache/events.js'
import { L1Cache } from './cache/l1.js'
import type { Codec } from './codec/codec.js'
import { jsonCodec } from './codec/json-codec.js'
import { superjsonCodec } from './codec/superjson-codec.js'
import { parseDuration, type Duration } from './core/duration.js'
import { describeValue } from './core/describe-value.js'
import { ValidationError } from './core/errors/index.js'
import { Emitter } from './core/events.js'
import type { Driver } from './drivers/driver.js'
import { memoryDriver } from './drivers/memory/index.js'
import { resilientDriver, type BreakerOptions, type CircuitEvents, type CircuitState, type ResilientDriver } from './drivers/resilient.js'
import { createNamespace, type Namespace } from './keys/namespace.js'
import { createAppFeatures } from './app-features.js'
import type { Channels } from './channels/channels.js'
import type { Flags } from './flags/flags.js'
import type { FlagsOptions } from './flags/options.js'
import type { Idempotency } from './idempotency/idempotency.js'
import type { IdempotencyOptions } from './idempotency/options.js'
import type { SessionOptions } from './session/options.js'
import type { Sessions } from './session/sessions.js'
import type { MemoryGuard } from './guard/memory-guard.js'
import type { GuardOptions } from './guard/options.js'
import type { HealthThresholds } from './monitor/health.js'
import type { Monitor } from './monitor/monitor.js'
import { Operations } from './monitor/operations.js'
import { OutageReporter, type DegradedReport, type OutageEvents } from './drivers/outages.js'
import { countLocks, countRateLimits } from './monitor/feature-counters.js'
import type { RateLimitIdentifier } from './ratelimit/keys.js'
import type { RateLimitPolicies } from './ratelimit/policy.js'
import type { RateLimiter } from './ratelimit/rate-limiter.js'
import { createRateLimits, type RateLimitPolicyName, type RateLimits } from './ratelimit/rate-limits.js'
import type { RateLimitCallOptions, RateLimitResult } from './ratelimit/result.js'
import type { WarningEvents } from './ratelimit/warnings.js'
import { Locks } from './lock/locks.js'
import { Counters } from './counter/counters.js'
import type { BoundBuilders } from './builders/indexes.js'
import { createBuilderRegistry } from './builders/registry.js'
import type { AnyBuilderDefinition, BuilderEvents } from './builders/types.js'
import { runCascade, type CascadeInvalidationEvent, type CascadeMap, type CascadeParams, type CascadeReport } from './cascades/cascades.js'
import { resolveTagOptions, type TagOptions } from './invalidation/tag-options.js'

/**
 * Events of a kit (subscribe with `kit.events.on(name, listener)`): the cache's, the
 * driver's outages and circuit, the builders', cascades' invalidations and warnings.
 */
export interface KitEvents extends Omit<CacheEvents, 'invalidate'>, OutageEvents, CircuitEvents, BuilderEvents, WarningEvents {
  /** An invalidation completed: tags, a pattern, `clear()` or a cascade. */
  invalidate: InvalidationEvent
}

/** The payload of the `invalidate` event. */
export type InvalidationEvent = CacheInvalidationEvent | CascadeInvalidationEvent

/** Options of the in-process L1 tier. */
export interface L1TierOptions {
  /**
   * At most this many entries.
   * @default 10_000
   */
  maxEntries?: number
  /**
   * At most this many bytes (estimated from the encoded size).
   * @default 67_108_864 (64 MiB)
   */
  maxBytes?: number
  /**
   * How long an instance serves an entry from L1 without asking the driver. With a
   * driver that has pub/sub, other instances' writes evict L1 copies at once and this
   * only bounds how long a lost message can matter; without pub/sub it is the staleness
   * window between instances.
   * @default 60_000 with pub/sub, 5_000 without
   */
  ttl?: Duration
  /**
   * Hand every caller a copy. Without it, an L1 hit returns the very object an earlier
   * caller got (or passed to `set`), and concurrent callers of one key may share one object:
   * treat cached values as read-only, or mutations show up in other callers' results. With
   * it, values are copied with `structuredClone` on the way into L1 and on every hit (class
   * instances come back as plain objects; a value it cannot copy is simply not kept in L1).
   * Costs a copy per hit: about 1 µs for a small object.
   * @default false
   */
  clone?: boolean
}

/** Options of {@link createCachekit}. */
export interface CachekitOptions<
  Keys = undefined,
  Limits extends RateLimitPolicies = Record<never, never>,
  Cascades extends CascadeMap = Record<never, never>,
  Builders extends Record<string, AnyBuilderDefinition> = Record<never, never>,
> {
  /**
   * Where entries live. Any cachekit driver; the kit closes it on `close()` (a driver
   * never closes a client you handed to it).
   * @default memoryDriver()
   */
  driver?: Driver
  /**
   * Namespace of every key: `prefix` segments, then `environment`. Two kits with different
   * namespaces never see each other's entries, even on one Redis.
   * @example { prefix: 'app', environment: 'prod' } // keys look like app:prod:user:42
   */
  prefix?: string
  /** One segment naming the environment (`prod`, `dev`), placed after `prefix`. */
  environment?: string
  /** The key table from `defineKeys`, exposed as `kit.keys`. */
  keys?: Keys
  /**
   * How values are serialized: `'superjson'` keeps Date, Map, Set, BigInt, undefined;
   * `'json'` is plain JSON (and refuses values it would mangle); or your own `Codec`.
   * @default 'superjson'
   */
  codec?: 'superjson' | 'json' | Codec
  /**
   * The in-process tier in front of the driver. `true` for defaults.
   * @default false
   */
  l1?: boolean | L1TierOptions
  /**
   * TTL for plain string keys called without `ttl`. Keys from `defineKeys` carry their own.
   * @default none: a plain key without ttl is refused
   */
  defaultTtl?: Duration
  /**
   * Grace for plain string keys.
   * @default 0
   */
  defaultGrace?: Duration
  /** Cross-process stampede protection. */
  stampede?: {
    /**
     * How long a loading instance holds a key's lease; others wait at most this long.
     * @default '10s'
     */
    lease?: Duration
  }
  /**
   * The circuit breaker in front of the driver (`false` to disable).
   * @default { failureThreshold: 5, cooldownMs: 2000 }
   */
  breaker?: false | Omit<BreakerOptions, 'onStateChange'>
  /**
   * What driver failures do to cache calls: `'fail-open'` answers without the driver
   * (loaders run, writes are dropped, `degraded` events report it); `'throw'` rejects.
   * @default 'fail-open'
   */
  onError?: 'fail-open' | 'throw'
  /**
   * The kill switch: `false` turns every read into a call of the loader and every write
   * into a no-op, without code changes.
   * @default true, unless the environment variable CACHEKIT_DISABLED is `1` or `true`
   */
  enabled?: boolean
  /**
   * The memory guard: `true` or options start its timer, which reads INFO memory every
   * `interval` and skips, then evicts, low-priority key families as Redis fills up. Without
   * it `kit.guard` still answers `check()` on demand. See docs/operations.md.
   * @default off
   * @example { budget: '20mb', warnAt: 0.8, criticalAt: 0.9 }
   */
  guard?: boolean | GuardOptions
  /**
   * Alert lines of `kit.monitor.health()`.
   * @default { memory: 0.85, hitRate: 0.7, p99LatencyMs: 100, errorRate: 0.01 }
   */
  health?: HealthThresholds
  /**
   * The rate-limit policy table: name to policy, checked at creation. Names become the
   * typed first argument of `kit.rateLimits.limit()`. See docs/rate-limiting.md.
   * @default no policies
   * @example { api: { algorithm: 'fixed-window', limit: 1000, window: '1h' }, login: { algorithm: 'sliding-window', limit: 5, window: '15m', onError: 'deny' } }
   */
  rateLimits?: Limits
  /** Tag invalidation: how long invalidations are remembered and trusted locally. See docs/invalidation.md. */
  tags?: TagOptions
  /**
   * Invalidation cascades by name, run with `kit.invalidate(name, params)`: each takes
   * the event's parameters (annotate them: `invalidate` is typed from them) and returns
   * the keys, tags, patterns and builder outputs to invalidate. See docs/invalidation.md.
   * @default none
   * @example { 'video.changed': ({ videoId }: { videoId: string }) => ({ keys: [keys.videoDetail({ id: videoId })], patterns: [keys.videoList.pattern()] }) }
   */
  cascades?: Cascades
  /**
   * Cache builders by name, from `defineBuilder`: `kit.builders.<name>.buildAll()`.
   * Schedules (`every`) and warm-ups (`warm`) start with the kit. See docs/builders.md.
   * @default none
   */
  builders?: Builders
  /**
   * Defaults of `kit.sessions`: idle and absolute timeouts, the per-user cap. See docs/sessions.md.
   * @default { ttl: '1d', absoluteTtl: '30d', maxPerUser: 20 }
   */
  sessions?: SessionOptions
  /**
   * Defaults of `kit.idempotency.run()`. See docs/idempotency.md.
   * @default { ttl: '24h', lease: '30s', wait: '5s' }
   */
  idempotency?: IdempotencyOptions
  /**
   * Declared feature flags with their defaults, and how often instances reload them. See docs/flags.md.
   * @default { defaults: {}, refresh: '30s' with pub/sub, '5s' without }
   * @example { defaults: { 'new-player': false, maintenance: false } }
   */
  flags?: FlagsOptions
}

/** What {@link createCachekit} returns. */
export interface Cachekit<
  Keys = undefined,
  Limits extends RateLimitPolicies = Record<never, never>,
  Cascades extends CascadeMap = Record<never, never>,
  Builders extends Record<string, AnyBuilderDefinition> = Record<never, never>,
> {
  /** Cache-aside, write-through and friends; tag and pattern invalidation. */
  readonly cache: CacheService
  /** The builders of `options.builders`: `buildAll`, `buildOne`, `status` and index reads. See docs/builders.md. */
  readonly builders: BoundBuilders<Builders>
  /**
   * Runs the cascade `name` of `options.cascades`: deletes its keys, invalidates its tags
   * and patterns (together, pipelined), then rebuilds its builder outputs. Resolves a
   * report of what it touched.
   * Keys and tags the driver could not take wait in an outbox (`report.keys.queued`,
   * `report.tags.queued`) and are sent again when it answers.
   * @throws {InvalidationError} when a pattern or a rebuild failed (the rest was done; retrying is safe).
   * @example const report = await kit.invalidate('video.changed', { videoId, oldCategoryIds, newCategoryIds })
   */
  invalidate<Name extends keyof Cascades & string>(name: Name, params: CascadeParams<Cascades[Name]>): Promise<CascadeReport>
  /** Distributed locks with fencing tokens, and counting semaphores. See docs/locks.md. */
  readonly locks: Locks
  /** Counters, write-behind counter families, leaderboards and trending sets. See docs/counters.md. */
  readonly counters: Counters
  /** Server-side sessions: idle and absolute timeouts, per-user cap, log out of all devices. See docs/sessions.md. */
  readonly sessions: Sessions
  /** Run an operation once per idempotency key; duplicates get the stored outcome. See docs/idempotency.md. */
  readonly idempotency: Idempotency
  /** Feature flags: rollouts, allow/deny lists, maintenance; synchronous checks. See docs/flags.md. */
  readonly flags: Flags
  /** Typed, schema-checked publish/subscribe. See docs/notifications.md. */
  readonly channels: Channels
  /** The key table passed in `options.keys`. */
  readonly keys: Keys
  /**
   * The rate limits of `options.rateLimits`: `limit`, `limitOrThrow`, `peek`, `reset` and
   * `limiter(policy)`, with the policy names typed from the table. See docs/rate-limiting.md.
   * @example const { allowed, retryAfterMs } = await kit.rateLimits.limit('login', email)
   */
  readonly rateLimits: RateLimits<RateLimitPolicyName<Limits>>
  /** The driver, behind the circuit breaker. */
  readonly driver: Driver
  /** The memory guard: state, `check()`, `evict()`, `status()`, events. See docs/operations.md. */
  readonly guard: MemoryGuard
  /**
   * Health, metrics, slow log, key distribution, feature metrics and recent events.
   * @example if ((await kit.monitor.health()).status === 'unhealthy') alert()
   */
  readonly monitor: Monitor
  /** The namespace every key lives under. */
  readonly namespace: Namespace
  /** The kit's events: hit, miss, stale-hit, load, load-error, set, delete, invalid, degraded, outage, circuit, bus, invalidate, build, warning, ... */
  readonly events: Emitter<KitEvents>
  /** The circuit breaker's state (`closed` when disabled). */
  readonly circuit: CircuitState
  /** True unless the kill switch is on. */
  readonly enabled: boolean
  /**
   * Resolves once the kit is fully connected: the cache bus is subscribed, so L1 copies
   * are kept and other instances' writes reach this one, and warm-up builds have run.
   * Never rejects (a bus failure is reported as `degraded`, a failed warm-up as
   * `build-error`; the kit then works without L1 copies or warmed outputs).
   */
  ready(): Promise<void>
  /** Stops builder schedules and running builds, the bus, and closes the driver. Idempotent. */
  close(): Promise<void>
}

const L1_DEFAULTS = Object.freeze({ maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, ttlWithBusMs: 60_000, ttlWithoutBusMs: 5_000 })
const DEFAULT_LEASE_MS = 10_000

/**
 * Creates a kit: driver, namespace, keys and features wired together.
 *
 * @example
 * const kit = createCachekit({ driver: ioredisDriver({ url }), prefix: 'app', environment: 'prod', keys })
 * const user = await kit.cache.getOrSet(keys.user({ id: 42 }), () => db.user(42))
 */
export function createCachekit<
  Keys = undefined,
  Limits extends RateLimitPolicies = Record<never, never>,
  Cascades extends CascadeMap = Record<never, never>,
  Builders extends Record<string, AnyBuilderDefinition> = Record<never, never>,
>(options: CachekitOptions<Keys, Limits, Cascades, Builders> = {}): Cachekit<Keys, Limits, Cascades, Builders> {
  const namespace = createNamespace({ prefix: options.prefix, environment: options.environment })
  const events = new Emitter<KitEvents>()
  const operations = new Operations(options)
  // One 'outage' per driver state change and a throttled 'degraded', instead of one event per failed request.
  const reporter = new OutageReporter({
    degraded: (report) => events.emit('degraded', report),
    outage: (event) => events.emit('outage', event),
  })
  const outages = { degraded: (report: DegradedReport) => reporter.degraded(report) }
  operations.measurements.onCall((method, _durationMs, error) => reporter.observe(method, error))
  // The driver answers again: send the invalidations that waited for it.
  events.on('outage', (event) => {
    if (event.state === 'ended') void cache.replayInvalidations()
  })
  const baseDriver = operations.measure(options.driver ?? memoryDriver())
  const driver: Driver | ResilientDriver =
    options.breaker === false
      ? baseDriver
      : resilientDriver(baseDriver, {
          ...options.breaker,
          onStateChange: (state, previous, node) =>
            events.emit('circuit', node === undefined ? { state, previous } : { state, previous, node }),
        })
  const enabled = options.enabled ?? !killSwitchFromEnvironment()
  const onError = options.onError ?? 'fail-open'
  if (onError !== 'fail-open' && onError !== 'throw')
    throw new ValidationError(`onError must be 'fail-open' or 'throw', got ${String(onError)}`)
  const origin = globalThis.crypto.randomUUID()
  const bus = driver.capabilities.pubsub
    ? new CacheBus(driver, namespace.prefix, origin, {
        onError: (error, operation) => outages.degraded({ operation: `bus.${operation}`, error }),
        onState: (state, previous) => events.emit('bus', { state, previous }),
      })
    : undefined
  const l1 = resolveL1(options.l1, bus !== undefined)
  const leaseMs = parseDuration(options.stampede?.lease ?? DEFAULT_LEASE_MS, 'stampede.lease')
  const guard = operations.createGuard(driver, namespace, enabled)
  const cache = new CacheService({
    driver,
    namespace,
    codec: createEntryCodec(resolveCodec(options.codec)),
    events,
    bus,
    l1,
    enabled,
    defaultTtlMs: options.defaultTtl === undefined ? undefined : parseDuration(options.defaultTtl, 'defaultTtl'),
    defaultGraceMs: parseDuration(options.defaultGrace ?? 0, 'defaultGrace'),
    leaseMs,
    waitMs: leaseMs,
    onError,
    onDegraded: outages.degraded,
    admit: (family, priority) => guard.admit(family, priority),
    ...resolveTagOptions(options.tags, options.keys),
  })
  const locks = new Locks(driver, namespace.prefix)
  const counters = new Counters(driver, namespace.prefix)
  const features = createAppFeatures({
    driver,
    prefix: namespace.prefix,
    codec: resolveCodec(options.codec),
    events,
    onDegraded: outages.degraded,
    options,
  })
  const registry = createBuilderRegistry(options.builders, { driver, namespace, cache, events, enabled, locks })
  const cascades: CascadeMap = options.cascades ?? {}
  const circuit = (): CircuitState => ('circuit' in driver ? (driver as ResilientDriver).circuit : 'closed')
  const monitor = operations.createMonitor({
    driver,
    namespace,
    cache,
    events,
    guard,
    circuit,
    bus: () => bus?.status(),
    invalidations: () => cache.pendingInvalidations(),
  })
  const rateLimits = countRateLimits(
    createRateLimits<RateLimitPolicyName<Limits>>({
      driver,
      prefix: namespace.prefix,
      policies: options.rateLimits,
      onDegraded: ({ policy, operation, error }) => outages.degraded({ operation, family: policy, error }),
    }),
    monitor,
  )
  const started = enabled ? bus?.start() : undefined
  const warmed = registry.start()
  let closing: Promise<void> | undefined
  return {
    cache,
    builders: registry.builders,
    invalidate: (name, params) =>
      runCascade({ cache, namespace, events, rebuild: (target) => registry.rebuild(target) }, cascades, name, params),
    locks: countLocks(locks, monitor),
    counters,
    sessions: features.sessions,
    idempotency: features.idempotency,
    flags: features.flags,
    channels: features.channels,
    keys: options.keys as Keys,
    rateLimits,
    driver,
    guard,
    monitor,
    namespace,
    events,
    enabled,
    get circuit(): CircuitState {
      return circuit()
    },
    async ready() {
      await Promise.all([started, warmed])
    },
    close() {
      closing ??= (async () => {
        await registry.close()
        guard.stop()
        monitor.close()
        await cache.close()
        await bus?.close()
        l1?.cache.clear()
        await counters.close()
        await features.close()
        await rateLimits.close()
        locks.close()
        await driver.close()
      })()
      return closing
    },
  }
}

function resolveCodec(codec: CachekitOptions['codec']): Codec {
  if (codec === undefined || codec === 'superjson') return superjsonCodec
  if (codec === 'json') return jsonCodec
  if (typeof codec === 'object' && codec !== null && typeof codec.encode === 'function' && typeof codec.decode === 'function') return codec
  throw new ValidationError(`codec must be 'superjson', 'json' or a Codec, got ${String(codec)}`)
}

function resolveL1(option: CachekitOptions['l1'], hasBus: boolean): { cache: L1Cache; ttlMs: number; clone: boolean } | undefined {
  if (option === undefined || option === false) return undefined
  const settings = option === true ? {} : option
  const maxEntries = settings.maxEntries ?? L1_DEFAULTS.maxEntries
  const maxBytes = settings.maxBytes ?? L1_DEFAULTS.maxBytes
  for (const [name, value] of [
    ['l1.maxEntries', maxEntries],
    ['l1.maxBytes', maxBytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new ValidationError(`${name} must be a positive integer, got ${value}`)
  }
  const ttlMs =
    settings.ttl === undefined ? (hasBus ? L1_DEFAULTS.ttlWithBusMs : L1_DEFAULTS.ttlWithoutBusMs) : parseDuration(settings.ttl, 'l1.ttl')
  if (settings.clone !== undefined && typeof settings.clone !== 'boolean')
    throw new ValidationError(`l1.clone must be a boolean, got ${describeValue(settings.clone)}`)
  return { cache: new L1Cache({ maxEntries, maxBytes }), ttlMs, clone: settings.clone === true }
}

function killSwitchFromEnvironment(): boolean {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CACHEKIT_DISABLED
  return value === '1' || value === 'true'
}
