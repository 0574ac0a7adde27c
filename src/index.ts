// cachekit: what an application uses. Edge-safe: nothing here imports a `node:` module.
// Driver authors find their tools in `cachekit/drivers`, operations tooling in `cachekit/ops`
// (and `cachekit/prometheus`, `cachekit/otel`). test/package/root-exports.test.ts pins this list.
// The feature classes are exported as types only: the kit constructs them.

// The kit
export { createCachekit, type Cachekit, type CachekitOptions, type InvalidationEvent, type KitEvents, type L1TierOptions } from './kit.js'
export type { CacheService, CacheKeyInput, SetManyOptions } from './cache/cache-service.js'
export type { Tier } from './cache/events.js'
export type { FamilyStats } from './cache/stats.js'
export type { CacheCallOptions, GetOrSetOptions, Loader, LoaderContext } from './cache/types.js'
export type { CachekitWarning, CachekitWarningCode } from './ratelimit/warnings.js'
export type { Emitter, Listener } from './core/events.js'
export type { Duration } from './core/duration.js'
export type { BreakerOptions, CircuitState } from './drivers/resilient.js'
export type { Unsubscribe } from './drivers/driver.js'

// Keys
export {
  defineKeys,
  escapeParam,
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
  type ParamNames,
  type ParamValue,
  type StandardSchemaV1,
  type Typed,
} from './keys/index.js'

// Values
export { createSuperjsonCodec, jsonCodec, superjsonCodec, type Codec } from './codec/index.js'

// Errors
export {
  BuildError,
  CachekitError,
  CircuitOpenError,
  CommandError,
  CrossSlotError,
  DriverClosedError,
  DriverError,
  DriverTimeoutError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  InvalidationError,
  LoaderTimeoutError,
  LockLostError,
  LockNotAcquiredError,
  RateLimitExceededError,
  ValidationError,
  type CachekitErrorCode,
  type CachekitErrorOptions,
  type CommandErrorOptions,
  type DriverErrorOptions,
  type IdempotencyInProgressErrorOptions,
  type InvalidationErrorOptions,
  type LockNotAcquiredErrorOptions,
  type RateLimitExceededDetails,
} from './core/errors/index.js'

// Rate limits
export {
  ipKey,
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

// Locks
export type {
  AcquireOptions,
  Lock,
  LockResource,
  Locks,
  RetryOptions,
  Semaphore,
  SemaphoreOptions,
  WithLockOptions,
} from './lock/index.js'

// Counters
export type {
  CounterBatch,
  CounterDelta,
  CounterFamily,
  CounterFamilyOptions,
  CounterId,
  Counters,
  CounterWriteOptions,
  FlushHandler,
  FlushOptions,
  FlushResult,
  FlushSchedule,
  Leaderboard,
  RankedMember,
  ScheduleFlushOptions,
  Trending,
  TrendingOptions,
} from './counter/index.js'

// Operations options (the tools themselves are in cachekit/ops)
export type { GuardOptions } from './guard/index.js'
export type { HealthThresholds } from './monitor/index.js'

// Invalidation: tags, patterns, cascades
export type {
  PatternInvalidationOptions,
  PatternInvalidationReport,
  PatternProgress,
  TagInvalidationOptions,
  TagInvalidationReport,
  TagOptions,
} from './invalidation/index.js'
export type { Cascade, CascadeMap, CascadeParams, CascadeReport, CascadeTargets } from './cascades/index.js'

// Cache builders and indexes
export {
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

// Sessions, idempotency keys, feature flags, channels
export type { CreateSessionOptions, DestroyAllOptions, Session, SessionOptions, Sessions, SessionUserId } from './session/index.js'
export type {
  Idempotency,
  IdempotencyKey,
  IdempotencyOptions,
  IdempotentContext,
  IdempotentOperation,
  IdempotentResult,
  RunOptions,
} from './idempotency/index.js'
export type { FlagContext, FlagInput, FlagPatch, Flags, FlagsOptions, FlagState, MaintenanceState } from './flags/index.js'
export {
  defineChannel,
  type Channel,
  type ChannelEvents,
  type ChannelHandler,
  type Channels,
  type InferSchemaInput,
  type MessageInfo,
} from './channels/index.js'
