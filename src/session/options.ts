import { parseDuration, type Duration } from '../core/duration.js'
import { ValidationError } from '../core/errors/index.js'

/** Options of `kit.sessions` (`createCachekit({ sessions })`). */
export interface SessionOptions {
  /**
   * Idle timeout: a session ends this long after it was created or last touched
   * (`touch()` slides it), and never after `absoluteTtl`.
   * @default '1d'
   * @example '30m'
   */
  ttl?: Duration
  /**
   * Absolute timeout: a session ends this long after it was created, however often it is
   * touched. Whichever of the two timeouts comes first ends the session.
   * @default '30d'
   */
  absoluteTtl?: Duration
  /**
   * How many live sessions one user may hold (1 to 1000). Creating one more evicts the
   * session closest to expiring (with one idle TTL for all: the least recently used one),
   * atomically, so concurrent logins never exceed the cap.
   * @default 20
   */
  maxPerUser?: number
}

/** Options of `kit.sessions.create()`: the kit's session options, for this session only. */
export interface CreateSessionOptions {
  /**
   * Idle timeout of this session.
   * @default the kit's `sessions.ttl` ('1d')
   * @example '14d' // "remember me"
   */
  ttl?: Duration
  /**
   * Absolute timeout of this session.
   * @default the kit's `sessions.absoluteTtl` ('30d')
   */
  absoluteTtl?: Duration
}

/** Session options with durations in milliseconds. */
export interface ResolvedSessionOptions {
  readonly ttlMs: number
  readonly absoluteTtlMs: number
  readonly maxPerUser: number
}

/** The defaults of {@link SessionOptions}. */
export const SESSION_DEFAULTS: ResolvedSessionOptions = Object.freeze({
  ttlMs: 86_400_000,
  absoluteTtlMs: 30 * 86_400_000,
  maxPerUser: 20,
})

// The cap bounds the work of every session script; ten years keeps timestamps exact in Lua.
const MAX_PER_USER = 1000
const MAX_TTL_MS = 10 * 365 * 86_400_000

/**
 * Resolves the kit's session options (or one call's, over `base`).
 * @throws {ValidationError} for a TTL that is zero, negative, malformed or over ten years,
 * or a cap outside 1..1000.
 */
export function resolveSessionOptions(
  options: SessionOptions | CreateSessionOptions = {},
  base: ResolvedSessionOptions = SESSION_DEFAULTS,
): ResolvedSessionOptions {
  if (typeof options !== 'object' || options === null) throw new ValidationError('session options must be an object')
  const ttlMs = options.ttl === undefined ? base.ttlMs : checkTtl(parseDuration(options.ttl, 'sessions.ttl'), 'sessions.ttl')
  const absoluteTtlMs =
    options.absoluteTtl === undefined
      ? base.absoluteTtlMs
      : checkTtl(parseDuration(options.absoluteTtl, 'sessions.absoluteTtl'), 'sessions.absoluteTtl')
  const maxPerUser = 'maxPerUser' in options && options.maxPerUser !== undefined ? options.maxPerUser : base.maxPerUser
  if (!Number.isSafeInteger(maxPerUser) || maxPerUser < 1 || maxPerUser > MAX_PER_USER) {
    throw new ValidationError(`sessions.maxPerUser must be an integer from 1 to ${MAX_PER_USER}, got ${String(maxPerUser)}`)
  }
  return Object.freeze({ ttlMs, absoluteTtlMs, maxPerUser })
}

function checkTtl(ms: number, what: string): number {
  if (ms <= 0 || ms > MAX_TTL_MS) throw new ValidationError(`${what} must be more than 0 and at most ten years, got ${ms} ms`)
  return ms
}
