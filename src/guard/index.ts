export {
  MemoryGuard,
  nextState,
  type GuardEvents,
  type GuardReport,
  type GuardState,
  type GuardStatus,
  type MemoryGuardContext,
} from './memory-guard.js'
export { GUARD_DEFAULTS, resolveGuardOptions, type GuardOptions, type ResolvedGuardOptions } from './options.js'
export { readMemoryUsage, type MemoryUsage } from './memory-usage.js'
export type { ConfigWarning } from './configuration.js'
export type { EvictionReport } from './evict.js'
export { formatBytes, parseBytes } from './bytes.js'
