import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'
import { assertFlagName } from './flag-state.js'

/** Options of `kit.flags` (`createCachekit({ flags })`). */
export interface FlagsOptions {
  /**
   * The flags the code knows, with the value each has while Redis holds no state for it or
   * cannot be reached and nothing was ever loaded. Flags not declared default to `false`.
   * @default {}
   * @example { 'new-player': false, 'search-v2': true, maintenance: false }
   */
  defaults?: Readonly<Record<string, boolean>>
  /**
   * How old the in-process copy of the flags may grow before a check reloads it (in the
   * background: the check itself never waits). With pub/sub, updates arrive at once and
   * this only bounds a lost message; without, it is how long other instances lag.
   * @default '30s' with pub/sub, '5s' without
   */
  refresh?: Duration
}

/** Resolved flag options. */
export interface ResolvedFlagsOptions {
  readonly defaults: ReadonlyMap<string, boolean>
  readonly refreshMs: number
}

/** The defaults of {@link FlagsOptions}. */
export const FLAGS_DEFAULTS = Object.freeze({ refreshWithPubsubMs: 30_000, refreshWithoutPubsubMs: 5_000 })

/**
 * Resolves flag options for a driver with or without pub/sub.
 * @throws {ValidationError} for a bad flag name, a non-boolean default or a bad duration.
 */
export function resolveFlagsOptions(options: FlagsOptions = {}, hasPubsub: boolean): ResolvedFlagsOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError('flags options must be an object')
  const defaults = new Map<string, boolean>()
  for (const [name, value] of Object.entries(options.defaults ?? {})) {
    assertFlagName(name)
    if (typeof value !== 'boolean') throw new ValidationError(`flags.defaults.${name} must be a boolean, got ${typeof value}`)
    defaults.set(name, value)
  }
  const refreshMs =
    options.refresh === undefined
      ? hasPubsub
        ? FLAGS_DEFAULTS.refreshWithPubsubMs
        : FLAGS_DEFAULTS.refreshWithoutPubsubMs
      : parseDuration(options.refresh, 'flags.refresh')
  if (refreshMs <= 0) throw new ValidationError('flags.refresh must be more than 0')
  return Object.freeze({ defaults, refreshMs })
}
