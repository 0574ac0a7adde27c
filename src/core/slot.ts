/** Redis Cluster hash slots: CRC16 (XMODEM) of the key, or of its `{hash tag}`, mod 16384. */
import { ValidationError } from './errors/index.js'

const TABLE = buildTable()
const encoder = new TextEncoder()

/** The cluster slot of `key`, honouring the first non-empty `{...}` hash tag, as Redis does. */
export function hashSlot(key: string): number {
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) return crc16(key.slice(open + 1, close)) & 16383
  }
  return crc16(key) & 16383
}

/** True when every key hashes to the same slot (an empty list is trivially single-slot). */
export function sameSlot(keys: readonly string[]): boolean {
  if (keys.length < 2) return true
  const first = hashSlot(keys[0] as string)
  for (let i = 1; i < keys.length; i++) if (hashSlot(keys[i] as string) !== first) return false
  return true
}

/** Groups keys by slot, keeping each key's index in the input (for reassembling replies). */
export function groupBySlot(keys: readonly string[]): Map<number, number[]> {
  const groups = new Map<number, number[]>()
  keys.forEach((key, index) => {
    const slot = hashSlot(key)
    const group = groups.get(slot)
    if (group) group.push(index)
    else groups.set(slot, [index])
  })
  return groups
}

function crc16(text: string): number {
  let crc = 0
  if (isAscii(text)) {
    for (let i = 0; i < text.length; i++) crc = ((crc << 8) ^ (TABLE[((crc >> 8) ^ text.charCodeAt(i)) & 0xff] as number)) & 0xffff
    return crc
  }
  for (const byte of encoder.encode(text)) crc = ((crc << 8) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number)) & 0xffff
  return crc
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false
  return true
}

function buildTable(): Uint16Array {
  const table = new Uint16Array(256)
  for (let i = 0; i < 256; i++) {
    let crc = i << 8
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    table[i] = crc
  }
  return table
}

/**
 * A key beside `base` that hashes to the same cluster slot (for leases and other
 * companions a script touches together with `base`): `base + suffix` when `base` has a
 * hash tag, else `{base}` + suffix.
 *
 * @throws {ValidationError} when `base` contains `}` without forming a hash tag, the one
 * shape for which no companion key can be built (keys from `defineKeys` never have it).
 */
export function derivedKey(base: string, suffix: string): string {
  const open = base.indexOf('{')
  if (open !== -1) {
    const close = base.indexOf('}', open + 1)
    if (close > open + 1) return base + suffix
  }
  if (base.includes('}')) {
    throw new ValidationError(`cannot derive a same-slot key from ${JSON.stringify(base)}: it contains '}' outside a hash tag`)
  }
  return `{${base}}${suffix}`
}
