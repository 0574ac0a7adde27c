/**
 * Request fingerprints: the SHA-256 (Web Crypto, edge-safe) of a payload. Strings and
 * bytes are hashed as they are (a raw body); plain data is hashed in a canonical JSON form
 * with object keys sorted, so `{a, b}` and `{b, a}` are the same request.
 */
import { ValidationError } from '../core/errors/index.js'
import { sha256Base64url } from '../core/web-crypto.js'

/**
 * The fingerprint of `payload`.
 * @throws {ValidationError} for values without a canonical form (Map, Set, class
 * instances, functions, symbols, cycles, non-finite numbers).
 */
export async function fingerprintOf(payload: unknown): Promise<string> {
  if (typeof payload === 'string') return `raw:${await sha256Base64url(payload)}`
  if (payload instanceof Uint8Array) return `raw:${await sha256Base64url(new Uint8Array(payload))}`
  if (payload instanceof ArrayBuffer) return `raw:${await sha256Base64url(new Uint8Array(payload.slice(0)))}`
  return `json:${await sha256Base64url(canonicalJson(payload, new Set()))}`
}

function canonicalJson(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError(`an idempotency payload cannot hold ${value}`)
      return JSON.stringify(value)
    case 'bigint':
      return `{"$bigint":"${value}"}`
    case 'undefined':
      return 'null'
    case 'object':
      return value === null ? 'null' : canonicalObject(value, ancestors)
    default:
      throw new ValidationError(`an idempotency payload cannot hold a ${typeof value}`)
  }
}

function canonicalObject(value: object, ancestors: Set<object>): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValidationError('an idempotency payload cannot hold an invalid Date')
    return `{"$date":"${value.toISOString()}"}`
  }
  if (ancestors.has(value)) throw new ValidationError('an idempotency payload cannot be circular')
  ancestors.add(value)
  try {
    if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, ancestors)).join(',')}]`
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) {
      throw new ValidationError('an idempotency payload must be a string, bytes or plain data (objects, arrays, primitives, Dates)')
    }
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], ancestors)}`)
    return `{${entries.join(',')}}`
  } finally {
    ancestors.delete(value)
  }
}
