/**
 * Errors as idempotency outcomes. An Error instance cannot go through a codec faithfully,
 * so what is stored is its name, message and primitive own properties (`code`, `status`,
 * `statusCode`, ...): enough for a duplicate to answer the same HTTP response.
 */

/** The stored form of an error. */
export interface StoredError {
  name: string
  message: string
  props: Record<string, string | number | boolean | null>
}

const SKIPPED = new Set(['name', 'message', 'stack', 'cause'])

/** What to store for a thrown value. */
export function serializeError(error: unknown): StoredError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), props: {} }
  const props: StoredError['props'] = {}
  for (const [key, value] of Object.entries(error)) {
    if (SKIPPED.has(key)) continue
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) props[key] = value as string | number | boolean | null
  }
  return { name: error.name, message: error.message, props }
}

/** The error a duplicate call rejects with: an `Error` with the stored name, message and properties. */
export function reviveError(stored: StoredError): Error {
  const error = new Error(stored.message)
  for (const [key, value] of Object.entries(stored.props ?? {})) {
    if (key !== '__proto__') Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true })
  }
  Object.defineProperty(error, 'name', { value: stored.name, enumerable: false, writable: true, configurable: true })
  return error
}
