/**
 * How large a handler's result is, the way Nest sends it: the bytes of its JSON text, or
 * of a `Buffer`/typed array as it is. Counted while `JSON.stringify` walks the value, and
 * stopped as soon as the count passes the cap, so a result far over it costs no full copy.
 */
import { StreamableFile } from '@nestjs/common'

/** Thrown out of the walk once the count passes the cap. */
const PAST_CAP = Symbol('past the cap')

/**
 * The size of `value` in bytes, to within a separator per element (escapes are not
 * counted), or some number above `limit` once the count passes it; `undefined` for a
 * result that has no such size: a stream (`StreamableFile`, a Node stream) or a value JSON
 * cannot write (a cycle, a throwing `toJSON`). Keys and strings count their UTF-8 bytes;
 * a `Map` or `Set` counts its entries (the kit's codec stores them), a bigint its digits.
 */
export function resultBytes(value: unknown, limit: number): number | undefined {
  let size = 0
  const add = (bytes: number): void => {
    size += bytes
    if (size > limit) throw PAST_CAP
  }
  let root = true
  try {
    JSON.stringify(value, function measure(this: unknown, key: string, current: unknown): unknown {
      // `current` went through toJSON already; the holder still has the value as it was.
      const original = (this as Record<string, unknown>)[key]
      // A comma per element; quotes, colon and comma around a property's name.
      if (root) root = false
      else add(Array.isArray(this) ? 1 : utf8Bytes(key, limit) + 4)
      if (original instanceof StreamableFile || isStream(original)) throw new TypeError('a stream has no size until it is sent')
      if (ArrayBuffer.isView(original)) {
        add(original.byteLength)
        return undefined
      }
      // JSON writes these as {}, but the kit's codec stores every entry.
      if (original instanceof Map || original instanceof Set) {
        add(2)
        return [...original]
      }
      if (typeof current === 'object' && current !== null) {
        add(2)
        return current
      }
      if (typeof current === 'string') add(utf8Bytes(current, limit) + 2)
      else if (typeof current === 'number' || typeof current === 'boolean' || typeof current === 'bigint') add(String(current).length)
      else if (current === null) add(4)
      // What JSON.stringify builds is thrown away: leaves are written as null, so it stays small.
      return null
    })
  } catch (error) {
    if (error === PAST_CAP) return size
    return undefined
  }
  return size
}

/** UTF-8 length of `text`, counted no further than just past `limit`. */
function utf8Bytes(text: string, limit: number): number {
  if (text.length > limit) return text.length
  let bytes = 0
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    // A surrogate pair is 4 bytes in all: 2 for each half.
    else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2
    else bytes += 3
  }
  return bytes
}

function isStream(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function'
}
