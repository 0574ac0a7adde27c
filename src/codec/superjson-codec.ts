import { SuperJSON } from 'superjson'
import { assertSerializable, type SerializableProfile } from './assert-serializable.js'
import type { Codec } from './codec.js'
import { guardEncode } from './encode-guard.js'

/** A superjson document: the JSON-safe data plus the metadata that restores rich types. */
export interface SuperjsonDocument {
  json: unknown
  meta?: unknown
}

/**
 * The parts of a `SuperJSON` instance the codec uses. Typed structurally so the
 * package's declarations never import superjson (ESM-only), which CommonJS type
 * resolution would refuse; a `new SuperJSON()` fits it.
 */
export interface SuperjsonInstance {
  // Method syntax on purpose: parameters compare bivariantly, so SuperJSON's narrower
  // parameter types still fit.
  serialize(value: unknown): SuperjsonDocument
  deserialize(document: SuperjsonDocument): unknown
  readonly symbolRegistry: { getIdentifier(value: symbol): string | undefined }
  readonly customTransformerRegistry: { findApplicable(value: unknown): unknown }
  readonly classRegistry: { getIdentifier(value: new () => unknown): string | undefined }
}

// Marks a value that needed superjson metadata. Plain JSON text never starts with it.
const RICH_MARK = '~'

/**
 * The default codec: superjson, so Date, Map, Set, BigInt, RegExp, URL, typed arrays,
 * `undefined`, NaN/±Infinity/-0 and shared or circular references survive a round trip.
 * Plain JSON data is stored as plain JSON, without superjson (same size, `JSON.stringify`
 * and `JSON.parse` speed); only values that need metadata pay for it. Functions, symbols,
 * class instances, Errors and other values superjson would silently change throw
 * `ValidationError`, as do rich values (those needing metadata) with a property named
 * `__proto__`, `constructor` or `prototype`, which superjson refuses.
 *
 * Uses a private superjson instance: registrations on the global `SuperJSON` do not
 * affect it. To store registered classes, use {@link createSuperjsonCodec}.
 */
export const superjsonCodec: Codec = createSuperjsonCodec()

/**
 * A superjson codec over your own instance, so classes, symbols and custom transformers
 * registered on it round-trip (their values are trusted as registered).
 *
 * @param id The codec id stored in envelopes; entries written under another id read as misses.
 * @example
 * const sj = new SuperJSON()
 * sj.registerClass(Money)
 * const codec = createSuperjsonCodec(sj)
 */
export function createSuperjsonCodec(instance?: SuperjsonInstance, id = 'sj'): Codec {
  const superjson: SuperjsonInstance = instance ?? new SuperJSON()
  const profile: SerializableProfile = Object.freeze(
    instance === undefined ? { rich: true } : { rich: true, isExtension: (value: unknown) => isRegistered(superjson, value) },
  )
  return Object.freeze({
    id,
    encode: (value: unknown): string =>
      guardEncode(id, () => {
        if (assertSerializable(value, profile)) return JSON.stringify(value)
        return RICH_MARK + JSON.stringify(superjson.serialize(value))
      }),
    decode: (text: string): unknown => {
      if (!text.startsWith(RICH_MARK)) return JSON.parse(text)
      const document: unknown = JSON.parse(text.slice(RICH_MARK.length))
      if (typeof document !== 'object' || document === null || !('json' in document)) {
        throw new SyntaxError('not a superjson document')
      }
      return superjson.deserialize(document as SuperjsonDocument)
    },
  })
}

function isRegistered(superjson: SuperjsonInstance, value: unknown): boolean {
  if (typeof value === 'symbol') return superjson.symbolRegistry.getIdentifier(value) !== undefined
  if (superjson.customTransformerRegistry.findApplicable(value) !== undefined) return true
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { constructor?: unknown }).constructor
  return typeof type === 'function' && superjson.classRegistry.getIdentifier(type as new () => unknown) !== undefined
}
