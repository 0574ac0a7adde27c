/**
 * A feature flag's state as stored in Redis (one field of the flag table, JSON after the
 * revision: `revision|json`) and as checks read it.
 */
import { ValidationError } from '../core/errors/index.js'
import { describeValue } from '../core/describe-value.js'

/** A flag's state. */
export interface FlagState {
  /** Off: nobody gets the feature except users in `allow`. */
  readonly enabled: boolean
  /**
   * While enabled, the share of users (0 to 100, two decimals) who get it, chosen by a
   * stable hash of flag and user id. `undefined`: everyone.
   */
  readonly percentage: number | undefined
  /** Users who always get the feature (even while the flag is off). */
  readonly allow: readonly string[]
  /** Users who never get it. Wins over `allow`. */
  readonly deny: readonly string[]
  /** Free text, e.g. the maintenance notice to show. */
  readonly message: string | undefined
  /** Increases with every write. */
  readonly revision: number
  /** When it was last written, epoch ms (the writer's clock). */
  readonly updatedAt: number
}

/** What a write takes. */
export interface FlagInput {
  enabled: boolean
  /** @default undefined: everyone, while enabled */
  percentage?: number
  /** @default [] */
  allow?: readonly (string | number)[]
  /** @default [] */
  deny?: readonly (string | number)[]
  /** @default undefined */
  message?: string
}

/** A flag compiled for checks: membership tests are set lookups. */
export interface CompiledFlag {
  readonly state: FlagState
  readonly allow: ReadonlySet<string>
  readonly deny: ReadonlySet<string>
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/
// The whole table is loaded into every instance: keep each flag small.
const MAX_LIST = 10_000
const MAX_MESSAGE = 2_000

/** @throws {ValidationError} unless `name` is 1-128 characters of letters, digits, `_ . : -`, starting with a letter or digit. */
export function assertFlagName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ValidationError(
      `a flag name must be 1-128 characters of letters, digits, '_', '.', ':' or '-', starting with a letter or digit; got ${describeValue(name)}`,
    )
  }
}

/**
 * Checks a write and turns it into the JSON stored for it.
 * @throws {ValidationError} for a non-boolean `enabled`, a percentage outside 0..100, lists
 * over 10 000 ids or with empty ids, or a message over 2000 characters.
 */
export function encodeFlagInput(input: FlagInput, updatedAt: number): string {
  if (typeof input !== 'object' || input === null) throw new ValidationError('a flag state must be an object')
  if (typeof input.enabled !== 'boolean') throw new ValidationError(`a flag's enabled must be a boolean, got ${typeof input.enabled}`)
  const percentage = input.percentage
  if (percentage !== undefined && (typeof percentage !== 'number' || !Number.isFinite(percentage) || percentage < 0 || percentage > 100)) {
    throw new ValidationError(`a flag's percentage must be a number from 0 to 100, got ${String(percentage)}`)
  }
  if (input.message !== undefined && (typeof input.message !== 'string' || input.message.length > MAX_MESSAGE)) {
    throw new ValidationError(`a flag's message must be a string of at most ${MAX_MESSAGE} characters`)
  }
  return JSON.stringify({
    enabled: input.enabled,
    percentage: percentage === undefined ? undefined : Math.round(percentage * 100) / 100,
    allow: idList(input.allow, 'allow'),
    deny: idList(input.deny, 'deny'),
    message: input.message,
    updatedAt,
  })
}

/** Parses a stored `revision|json` field; `null` when it is not one. */
export function decodeFlag(stored: string): CompiledFlag | null {
  const bar = stored.indexOf('|')
  const revision = Number(stored.slice(0, bar))
  if (bar < 1 || !Number.isSafeInteger(revision)) return null
  let raw: unknown
  try {
    raw = JSON.parse(stored.slice(bar + 1))
  } catch {
    return null
  }
  if (typeof raw !== 'object' || raw === null) return null
  // Lists may be left out (a state written by hand: `{"enabled":true}`).
  const { enabled, percentage, allow = [], deny = [], message, updatedAt } = raw as Record<string, unknown>
  if (typeof enabled !== 'boolean' || !isIdArray(allow) || !isIdArray(deny)) return null
  if (percentage !== undefined && (typeof percentage !== 'number' || percentage < 0 || percentage > 100)) return null
  const state: FlagState = Object.freeze({
    enabled,
    percentage: percentage as number | undefined,
    allow: Object.freeze([...allow]),
    deny: Object.freeze([...deny]),
    message: typeof message === 'string' ? message : undefined,
    revision,
    updatedAt: typeof updatedAt === 'number' ? updatedAt : 0,
  })
  return { state, allow: new Set(allow), deny: new Set(deny) }
}

function idList(ids: FlagInput['allow'], what: string): string[] {
  if (ids === undefined) return []
  if (!Array.isArray(ids)) throw new ValidationError(`a flag's ${what} list must be an array`)
  if (ids.length > MAX_LIST) throw new ValidationError(`a flag's ${what} list holds at most ${MAX_LIST} ids`)
  const texts = ids.map((id: unknown) => {
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0 || (typeof id === 'number' && !Number.isFinite(id))) {
      throw new ValidationError(`a flag's ${what} list holds non-empty strings and finite numbers, got ${JSON.stringify(id)}`)
    }
    return String(id)
  })
  return [...new Set(texts)]
}

function isIdArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((id) => typeof id === 'string')
}
