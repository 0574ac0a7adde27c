/**
 * The namespace every key of a kit lives under: `prefix` and an optional `environment`
 * segment (`app:prod:user:42` vs `app:dev:user:42`), so environments sharing one Redis
 * never share entries. Checked once; qualifying a key is then a string concatenation.
 */
import { ValidationError } from '../core/errors/index.js'

/** Options of {@link createNamespace}. */
export interface NamespaceOptions {
  /**
   * The application's prefix: one or more `:`-separated segments.
   * @default no prefix
   * @example 'app', 'shop:eu'
   */
  prefix?: string
  /**
   * One segment naming the environment, placed after `prefix`.
   * @default no environment segment
   * @example 'prod'
   */
  environment?: string
}

/** Qualifies relative keys and patterns with a checked prefix. */
export interface Namespace {
  /** What every qualified key starts with: `'app:prod:'`, or `''` without prefix and environment. */
  readonly prefix: string
  /** The full key for a key relative to the namespace: `key('user:42')` -> `'app:prod:user:42'`. */
  key(relativeKey: string): string
  /**
   * The full SCAN pattern for a pattern relative to the namespace. The prefix holds no
   * glob metacharacters (they are refused), so it always matches literally.
   */
  pattern(relativePattern: string): string
  /** The relative key of a full key, or `null` when the key lies outside the namespace. */
  strip(fullKey: string): string | null
}

// Braces would become the cluster hash tag of every key; glob metacharacters would
// widen every SCAN pattern; whitespace and control characters have no business in keys.
const FORBIDDEN = /[\x00-\x20\x7f*?[\]\\{}]/

/**
 * Checks `prefix` and `environment` and returns the namespace they form.
 *
 * @throws {ValidationError} for empty segments, a leading or trailing `:`, a `:` in
 * `environment`, or braces, glob metacharacters, whitespace or control characters.
 * @example createNamespace({ prefix: 'app', environment: 'prod' }).key('user:42') // 'app:prod:user:42'
 */
export function createNamespace(options: NamespaceOptions = {}): Namespace {
  const { prefix, environment } = options
  if (prefix !== undefined) checkSegments(prefix, 'prefix')
  if (environment !== undefined) {
    checkSegments(environment, 'environment')
    if (environment.includes(':'))
      throw new ValidationError(`environment must be one segment without ':', got ${JSON.stringify(environment)}`)
  }
  const head = [prefix, environment].filter((part) => part !== undefined).join(':')
  const qualified = head === '' ? '' : `${head}:`
  return Object.freeze({
    prefix: qualified,
    key: (relativeKey: string) => qualified + relativeKey,
    pattern: (relativePattern: string) => qualified + relativePattern,
    strip: (fullKey: string) => (fullKey.startsWith(qualified) ? fullKey.slice(qualified.length) : null),
  })
}

function checkSegments(text: unknown, what: string): void {
  if (typeof text !== 'string' || text.length === 0) throw new ValidationError(`${what} must be a non-empty string`)
  if (text.startsWith(':') || text.endsWith(':') || text.includes('::')) {
    throw new ValidationError(`${what} ${JSON.stringify(text)} has an empty ':' segment (write 'app', not 'app:')`)
  }
  if (!text.isWellFormed()) throw new ValidationError(`${what} contains a lone UTF-16 surrogate`)
  const bad = FORBIDDEN.exec(text)
  if (bad !== null) throw new ValidationError(`${what} ${JSON.stringify(text)} must not contain ${JSON.stringify(bad[0])}`)
}
