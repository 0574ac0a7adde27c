/**
 * The value type of a key family without a schema: `{ template, ttl, value: typed<User>() }`.
 * A compile-time marker only: nothing is validated on read. Prefer a schema when stored
 * values can outlive the code that wrote them (they usually do).
 */

declare const valueType: unique symbol

/** Carries a value type for {@link typed}; the same frozen object at runtime whatever `Value` is. */
export interface Typed<Value> {
  readonly kind: 'cachekit.typed'
  readonly [valueType]?: Value
}

const TYPED: Typed<never> = Object.freeze({ kind: 'cachekit.typed' })

/**
 * Declares the value type of a key family that has no schema.
 *
 * @example
 * const keys = defineKeys({ video: { template: 'video:{id}', ttl: '5m', value: typed<Video>() } })
 */
export function typed<Value>(): Typed<Value> {
  return TYPED
}

/** True for the marker {@link typed} returns. */
export function isTyped(value: unknown): value is Typed<unknown> {
  return value === TYPED
}
