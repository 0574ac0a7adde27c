import { assertSerializable, type SerializableProfile } from './assert-serializable.js'
import type { Codec } from './codec.js'
import { guardEncode } from './encode-guard.js'

const PLAIN: SerializableProfile = Object.freeze({ rich: false })

/**
 * Plain JSON. Smaller and faster than {@link superjsonCodec} for plain data, and readable
 * by any client. Strict: values JSON would change (Date, Map, Set, BigInt, NaN, cycles,
 * class instances, ...) throw `ValidationError` instead of being read back altered; see
 * `assertSerializable` for the exact rules.
 */
export const jsonCodec: Codec = Object.freeze({
  id: 'json',
  encode: (value: unknown): string =>
    guardEncode('json', () => {
      assertSerializable(value, PLAIN)
      return JSON.stringify(value)
    }),
  decode: (text: string): unknown => JSON.parse(text),
})
