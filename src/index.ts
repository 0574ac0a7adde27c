// cachekit: the public core API. Edge-safe: nothing here imports a `node:` module.
export {
  CachekitError,
  CommandError,
  CrossSlotError,
  DriverClosedError,
  DriverError,
  DriverTimeoutError,
  ValidationError,
  type CachekitErrorOptions,
  type CommandErrorOptions,
  type DriverErrorOptions,
} from './core/errors/index.js'
export { parseDuration, type Duration } from './core/duration.js'
export { hashSlot, sameSlot } from './core/slot.js'
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
export type {
  Driver,
  DriverCapabilities,
  MessageHandler,
  ScanOptions,
  SetOptions,
  Unsubscribe,
  ZRangeByScoreOptions,
  ZRangeOptions,
} from './drivers/driver.js'
