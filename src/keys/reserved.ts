/**
 * The reserved key space. cachekit's features keep their keys under `__`-prefixed
 * segments of a namespace (`<prefix>__lock:{r}`, `<prefix>__sess:{u}:data`, ...). A kit
 * whose namespace is a parent of another's (`app:` and `app:prod:`) sees the other kit's
 * feature keys one segment deeper (`prod:__lock:{r}`), so the rule is about every
 * segment, not only the first: no key with a segment starting with `__` is ever written
 * by an application path, nor deleted by a bulk operation.
 */

/**
 * True when a key (relative to a namespace, or to any prefix ending in `:`) has a
 * segment starting with `__`: it belongs to a cachekit feature of this kit or of a kit
 * nested below it.
 *
 * @example hasReservedSegment('__lock:{job}') // true
 * @example hasReservedSegment('prod:__lock:{job}') // true
 * @example hasReservedSegment('user:4__2') // false
 */
export function hasReservedSegment(relativeKey: string): boolean {
  return relativeKey.startsWith('__') || relativeKey.includes(':__')
}
