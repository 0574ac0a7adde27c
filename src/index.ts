// cachekit: the public core API. Edge-safe: nothing here imports a `node:` module.

// The kit
export { createCachekit, type Cachekit, type CachekitOptions, type KitEvents, type L1TierOptions } from './kit.js'
export { CacheService, type CacheKeyInput, type EntryCodec } from './cache/cache-service.js'
export type { Tier } from './cache/events.js'
export type { CachekitWarning, CachekitWarningCode } from './ratelimit/warnings.js'
export type { FamilyStats } from './cache/stats.js'
export type { CacheCallOptions, GetOrSetOptions, Loader, LoaderContext, StoredEntry } from './cache/types.js'
export { Emitter, type Listener } from './core/events.js'

// Keys
export {
  createNamespace,
  defineKeys,
  escapeParam,
  formatDuration,
  typed,
  unescapeParam,
  type AnyKeyParams,
  type CacheKey,
  type DefinitionValue,
  type InferSchemaOutput,
  type KeyBuilder,
  type KeyDefinition,
  type KeyDescription,
  type KeyFamily,
  type KeyFamilyInfo,
  type KeyParams,
  type KeyPriority,
  type Keys,
  type KeysMethods,
  type KeyValue,
  type Namespace,
  type NamespaceOptions,
  type ParamNames,
  type ParamValue,
  type StandardSchemaV1,
  type Typed,
} from './keys/index.js'

// Values
export {
  createSuperjsonCodec,
  decodeEnvelope,
  encodeEnvelope,
  jsonCodec,
  superjsonCodec,
  type Codec,
  type DecodeEnvelopeResult,
  type Envelope,
  type InvalidEnvelopeReason,
} from './codec/index.js'

// Errors
export {
  CachekitError,
  CircuitOpenError,
  CommandError,
  CrossSlotError,
  DriverClosedError,
  DriverError,
  DriverTimeoutError,
  LoaderTimeoutError,
  ValidationError,
  type CachekitErrorCode,
  type CachekitErrorOptions,
  type CommandErrorOptions,
  type DriverErrorOptions,
} from './core/errors/index.js'

// Durations, slots and scripts
export { parseDuration, type Duration } from './core/duration.js'
export { derivedKey, hashSlot, sameSlot } from './core/slot.js'
export {
  defineScript,
  formatRedisDouble,
  luaArray,
  type Script,
  type ScriptContext,
  type ScriptDefinition,
  type ScriptReply,
  type ScriptSetOptions,
  type ScoredMember,
} from './core/script.js'
export { compareAndDelete, compareAndExpire, incrWithTtl } from './scripts/index.js'

// Drivers
export { resilientDriver, BREAKER_DEFAULTS, type BreakerOptions, type CircuitState, type ResilientDriver } from './drivers/resilient.js'
export type {
  Driver,
  DriverCapabilities,
  MessageHandler,
  ScanOptions,
  SetOptions,
  SubscribeOptions,
  SubscriptionStatus,
  Unsubscribe,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from './drivers/driver.js'

// Rate limits
export {
  ipKey,
  RATE_LIMIT_DEFAULTS,
  rateLimitHeaders,
  type FixedWindowPolicy,
  type IpKeyOptions,
  type RateLimitAlgorithmName,
  type RateLimitCallOptions,
  type RateLimiter,
  type RateLimitIdentifier,
  type RateLimitPolicies,
  type RateLimitPolicy,
  type RateLimitPolicyBase,
  type RateLimitPolicyName,
  type RateLimitResult,
  type RateLimits,
  type ResolvedRateLimitPolicy,
  type SlidingLogPolicy,
  type SlidingWindowPolicy,
  type TokenBucketPolicy,
} from './ratelimit/index.js'
export { RateLimitExceededError, type RateLimitExceededDetails } from './core/errors/index.js'

// Locks
export {
  Locks,
  LOCK_DEFAULTS,
  MAX_LOCK_TTL_MS,
  MAX_SEMAPHORE_LIMIT,
  Semaphore,
  type AcquireOptions,
  type Lock,
  type LockResource,
  type RetryOptions,
  type SemaphoreOptions,
  type WithLockOptions,
} from './lock/index.js'
export { LockLostError, LockNotAcquiredError, type LockNotAcquiredErrorOptions } from './core/errors/index.js'

// Counters
export {
  COUNTER_DEFAULTS,
  CounterFamily,
  Counters,
  Leaderboard,
  Trending,
  type CounterBatch,
  type CounterDelta,
  type CounterFamilyOptions,
  type CounterId,
  type CounterWriteOptions,
  type FlushHandler,
  type FlushOptions,
  type FlushResult,
  type FlushSchedule,
  type RankedMember,
  type ScheduleFlushOptions,
  type TrendingOptions,
} from './counter/index.js'

// Operations: memory guard, health, metrics, admin handler
export {
  MemoryGuard,
  GUARD_DEFAULTS,
  formatBytes,
  parseBytes,
  type ConfigWarning,
  type EvictionReport,
  type GuardEvents,
  type GuardOptions,
  type GuardReport,
  type GuardState,
  type GuardStatus,
  type MemoryUsage,
} from './guard/index.js'
export {
  Monitor,
  DriverMeasurements,
  HEALTH_DEFAULTS,
  KEY_DISTRIBUTION_DEFAULTS,
  LATENCY_BUCKETS_MS,
  PROMETHEUS_CONTENT_TYPE,
  formatPrometheus,
  measuredDriver,
  metricFamilies,
  parseInfo,
  serverMetrics,
  wrapDriver,
  type DriverCallStats,
  type DriverInterceptor,
  type FamilyDistribution,
  type FamilySample,
  type FeatureMetric,
  type FeatureMetricSnapshot,
  type HealthIssue,
  type HealthReport,
  type HealthThresholds,
  type InfoNode,
  type KeyDistribution,
  type KeyDistributionOptions,
  type LoggedEvent,
  type MetricFamily,
  type MetricSample,
  type MetricsSnapshot,
  type NodeMetrics,
  type ServerMetrics,
  type SlowlogEntry,
  type SlowlogReport,
} from './monitor/index.js'
export { createAdminHandler, redact, type AdminHandler, type AdminHandlerOptions, type AdminKit } from './admin/index.js'

// Invalidation: tags, patterns, cascades
export {
  PATTERN_DEFAULTS,
  TAG_DEFAULTS,
  type PatternInvalidationOptions,
  type PatternInvalidationReport,
  type PatternProgress,
  type TagInvalidationOptions,
  type TagInvalidationReport,
  type TagOptions,
} from './invalidation/index.js'
export type { Cascade, CascadeMap, CascadeParams, CascadeReport, CascadeTargets } from './cascades/index.js'
export type { InvalidationEvent } from './kit.js'
export type { SetManyOptions } from './cache/cache-service.js'
export { InvalidationError, type InvalidationErrorOptions } from './core/errors/index.js'

// Cache builders and indexes
export {
  BUILDER_DEFAULTS,
  defineBuilder,
  type AnyBuilderDefinition,
  type BoundBuilder,
  type BoundBuilders,
  type Builder,
  type BuilderDefinition,
  type BuilderItem,
  type BuilderKind,
  type BuilderOptions,
  type BuildLocks,
  type BuildOptions,
  type BuildProgress,
  type BuildReport,
  type BuildStatus,
  type BuildTarget,
  type ItemSource,
  type LoadContext,
  type PageOptions,
  type ScoreRangeOptions,
  type SetIndex,
  type SetItem,
  type SortedSetIndex,
  type SortedSetItem,
  type ValueBuilder,
  type ValueItem,
} from './builders/index.js'
export { BuildError } from './core/errors/index.js'

// Sessions, idempotency keys, feature flags, channels
export {
  SESSION_DEFAULTS,
  Sessions,
  type CreateSessionOptions,
  type DestroyAllOptions,
  type Session,
  type SessionOptions,
  type SessionUserId,
} from './session/index.js'
export {
  IDEMPOTENCY_DEFAULTS,
  Idempotency,
  type IdempotencyKey,
  type IdempotencyOptions,
  type IdempotentContext,
  type IdempotentOperation,
  type IdempotentResult,
  type RunOptions,
} from './idempotency/index.js'
export { IdempotencyConflictError, IdempotencyInProgressError, type IdempotencyInProgressErrorOptions } from './core/errors/index.js'
export {
  FLAGS_DEFAULTS,
  Flags,
  MAINTENANCE_FLAG,
  rolloutBucket,
  type FlagContext,
  type FlagInput,
  type FlagPatch,
  type FlagsOptions,
  type FlagState,
  type MaintenanceState,
} from './flags/index.js'
export { Channels, defineChannel, type Channel, type ChannelEvents, type ChannelHandler, type InferSchemaInput, type MessageInfo } from './channels/index.js'
