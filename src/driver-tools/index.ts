// cachekit/drivers: for driver authors and for code that works under the kit, on the driver
// itself. The Driver contract, Lua scripts with their shape, Cluster slot helpers, the
// stored envelope, the namespace, and the two driver wrappers (circuit breaker, interceptor).
// The conformance suite is in cachekit/testing; the errors a driver throws are in cachekit.
// Edge-safe: nothing here imports a `node:` module.

// The contract
export type {
  Driver,
  DriverCapabilities,
  MessageHandler,
  ScanOptions,
  SetOptions,
  SubscribeOptions,
  SubscriptionStatus,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from '../drivers/driver.js'

// Scripts
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
} from '../core/script.js'
export { compareAndDelete, compareAndExpire, incrWithTtl } from '../scripts/index.js'

// Cluster slots
export { derivedKey, hashSlot, sameSlot } from '../core/slot.js'

// What the cache stores
export {
  decodeEnvelope,
  encodeEnvelope,
  envelopeState,
  type DecodeEnvelopeResult,
  type Envelope,
  type EnvelopeState,
  type InvalidEnvelopeReason,
} from '../codec/index.js'
export type { EntryCodec } from '../cache/cache-service.js'
export type { StoredEntry } from '../cache/types.js'
export { createNamespace, type NamespaceOptions } from '../keys/index.js'

// Wrappers
export { resilientDriver, BREAKER_DEFAULTS, type ResilientDriver } from '../drivers/resilient.js'
export { wrapDriver, type DriverInterceptor } from '../monitor/index.js'
