/** Argument checks every driver runs before touching storage, so all drivers refuse the same input the same way. */
import { ValidationError } from '../core/errors/index.js'
import type { ScoredMember } from '../core/script.js'
import type { SubscribeOptions } from './driver.js'
import { describeValue } from '../core/describe-value.js'

/** Largest TTL accepted: about 31,700 years; far inside Redis's and JavaScript's integer limits. */
export const MAX_TTL_MS = 1e15

/** A key: a non-empty, well-formed string (lone surrogates would be corrupted in UTF-8). */
export function assertKey(key: unknown, what = 'key'): asserts key is string {
  if (typeof key !== 'string') throw new ValidationError(`${what} must be a string, got ${describeValue(key)}`)
  if (key.length === 0) throw new ValidationError(`${what} must not be empty`)
  if (!key.isWellFormed()) throw new ValidationError(`${what} contains a lone UTF-16 surrogate and cannot be stored`)
}

/** A non-empty list of keys. */
export function assertKeys(keys: unknown, what = 'keys'): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new ValidationError(`${what} must be an array of strings, got ${describeValue(keys)}`)
  for (const key of keys) assertKey(key, `${what}[]`)
}

/** A value: any well-formed string, including the empty string. */
export function assertValue(value: unknown, what = 'value'): asserts value is string {
  if (typeof value !== 'string') throw new ValidationError(`${what} must be a string (serialize it first), got ${describeValue(value)}`)
  if (!value.isWellFormed()) throw new ValidationError(`${what} contains a lone UTF-16 surrogate and cannot be stored`)
}

/** A list of string values (members, fields). */
export function assertValues(values: unknown, what = 'values'): asserts values is readonly string[] {
  if (!Array.isArray(values)) throw new ValidationError(`${what} must be an array of strings, got ${describeValue(values)}`)
  for (const value of values) assertValue(value, `${what}[]`)
}

/** A field map for HSET: a plain object of strings. */
export function assertFields(fields: unknown): asserts fields is Readonly<Record<string, string>> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ValidationError(`fields must be an object of strings, got ${describeValue(fields)}`)
  }
  for (const [field, value] of Object.entries(fields)) {
    assertValue(field, 'field name')
    assertValue(value, `fields[${JSON.stringify(field)}]`)
  }
}

/** A TTL: positive, finite, at most {@link MAX_TTL_MS}. Fractions round up to whole milliseconds. */
export function normalizeTtl(ttlMs: unknown, what = 'ttlMs'): number {
  if (typeof ttlMs !== 'number' || Number.isNaN(ttlMs))
    throw new ValidationError(`${what} must be a number of milliseconds, got ${describeValue(ttlMs)}`)
  if (!(ttlMs > 0)) throw new ValidationError(`${what} must be positive, got ${ttlMs}; delete the key instead of expiring it now`)
  if (ttlMs > MAX_TTL_MS) throw new ValidationError(`${what} must be at most ${MAX_TTL_MS} ms, got ${ttlMs}`)
  return Math.ceil(ttlMs)
}

/** Validates SET options and returns the TTL in whole milliseconds (or undefined). */
export function normalizeSetOptions(options: unknown): number | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null)
    throw new ValidationError(`set options must be an object, got ${describeValue(options)}`)
  const { ttlMs, nx, xx, keepTtl } = options as Record<string, unknown>
  if (nx && xx) throw new ValidationError('set: nx and xx cannot be combined')
  if (keepTtl && ttlMs !== undefined) throw new ValidationError('set: keepTtl and ttlMs cannot be combined')
  return ttlMs === undefined ? undefined : normalizeTtl(ttlMs)
}

/** An integer increment within JavaScript's safe range. */
export function assertIncrement(by: unknown, what = 'increment'): asserts by is number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by))
    throw new ValidationError(`${what} must be a safe integer, got ${describeValue(by)}`)
}

/** A finite score (sorted sets). */
export function assertScore(score: unknown, what = 'score'): asserts score is number {
  if (typeof score !== 'number' || !Number.isFinite(score))
    throw new ValidationError(`${what} must be a finite number, got ${describeValue(score)}`)
}

/** A score bound: finite or ±Infinity, never NaN. */
export function assertBound(bound: unknown, what: string): asserts bound is number {
  if (typeof bound !== 'number' || Number.isNaN(bound))
    throw new ValidationError(`${what} must be a number (Infinity allowed), got ${describeValue(bound)}`)
}

/** A rank index (may be negative, counting from the end). */
export function assertIndex(index: unknown, what: string): asserts index is number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index))
    throw new ValidationError(`${what} must be an integer, got ${describeValue(index)}`)
}

/** Sorted-set entries. */
export function assertEntries(entries: unknown): asserts entries is readonly ScoredMember[] {
  if (!Array.isArray(entries)) throw new ValidationError(`entries must be an array of { member, score }, got ${describeValue(entries)}`)
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null)
      throw new ValidationError(`entries[] must be { member, score }, got ${describeValue(entry)}`)
    assertValue((entry as ScoredMember).member, 'entries[].member')
    assertScore((entry as ScoredMember).score, 'entries[].score')
  }
}

/** Script arguments: strings, as Redis receives them. */
export function assertArgs(args: unknown): asserts args is readonly string[] {
  assertValues(args, 'script args')
}

/** A channel name for publish/subscribe. */
export function assertChannel(channel: unknown): asserts channel is string {
  assertKey(channel, 'channel')
}

/** A SCAN pattern: a non-empty string. */
export function assertPattern(match: unknown): asserts match is string {
  assertKey(match, 'scan pattern')
}

/** A scan COUNT hint. */
export function normalizeScanCount(count: unknown): number {
  if (count === undefined) return 250
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new ValidationError(`scan count must be a positive integer, got ${describeValue(count)}`)
  }
  return count
}

/** LIMIT of ZRANGE BYSCORE: a non-negative offset and count. */
export function assertRangeLimit(options: unknown): void {
  if (options === undefined) return
  const { offset, count } = options as { offset?: unknown; count?: unknown }
  for (const [name, value] of [
    ['offset', offset],
    ['count', count],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
      throw new ValidationError(`${name} must be a non-negative integer, got ${describeValue(value)}`)
    }
  }
}

/** A subscription handler. */
export function assertHandler(handler: unknown): void {
  if (typeof handler !== 'function') throw new ValidationError(`handler must be a function, got ${describeValue(handler)}`)
}

/** Checks the options of `subscribe`; `{}` when none were given. */
export function subscribeOptions(options: unknown): SubscribeOptions {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null)
    throw new ValidationError(`subscribe options must be an object, got ${describeValue(options)}`)
  const { onStatus } = options as SubscribeOptions
  if (onStatus !== undefined && typeof onStatus !== 'function')
    throw new ValidationError(`onStatus must be a function, got ${describeValue(onStatus)}`)
  return options as SubscribeOptions
}

/** Throws a {@link ValidationError} for a bad driver option. */
export function failOption(message: string): never {
  throw new ValidationError(message)
}
