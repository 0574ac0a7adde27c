export { Flags, MAINTENANCE_FLAG, type FlagContext, type FlagPatch, type FlagsContext, type MaintenanceState } from './flags.js'
export type { FlagInput, FlagState } from './flag-state.js'
export { FLAGS_DEFAULTS, resolveFlagsOptions, type FlagsOptions, type ResolvedFlagsOptions } from './options.js'
export { rolloutBucket } from './bucket.js'
