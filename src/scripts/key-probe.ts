import { defineScript, type ScriptContext } from '../core/script.js'

/** What {@link keyProbe} learns about one key; `null` when the key does not exist. */
export interface KeyProbe {
  /** Redis type: `string`, `hash`, `set`, `zset`, ... */
  readonly type: string
  /** Milliseconds left; `-1` without a TTL. */
  readonly pttlMs: number
  /**
   * `MEMORY USAGE` in bytes (Redis samples 5 elements of big collections); `-1` where the
   * server refuses MEMORY in scripts. The memory driver's twin estimates it from its own
   * byte accounting (2 bytes per character plus overhead), so it is not comparable with Redis.
   */
  readonly bytes: number
}

/**
 * TYPE, PTTL and MEMORY USAGE of KEYS[1] in one round trip, for key distribution
 * reports. Bounded: MEMORY USAGE keeps its default sample of 5 elements.
 *
 * The twin is an estimate. It matches Redis on a missing key (nil), on the type of a
 * string, hash, set or sorted set (found by reading, as the store has no TYPE; other
 * types read as `unknown`) and on the PTTL, read as Redis reads it. Its bytes are not
 * MEMORY USAGE but an estimate from the characters the key name and its content hold plus
 * a fixed overhead, so the parity scenarios (test/scripts) check only that both sides
 * report some bytes.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const keyProbe = defineScript<KeyProbe | null>({
  name: 'key-probe',
  numKeys: 1,
  lua: `local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return false end
local ok, bytes = pcall(redis.call, 'MEMORY', 'USAGE', KEYS[1])
if not ok or not bytes then bytes = -1 end
return {kind, redis.call('PTTL', KEYS[1]), bytes}`,
  sha1: '4e418a5df76f98f27fb7b44728bc1c59274e93ce',
  run: (ctx, [key]) => {
    const name = key as string
    if (ctx.exists([name]) === 0) return null
    const [kind, characters] = measure(ctx, name)
    return [kind, ctx.pttl(name), characters < 0 ? -1 : 2 * (name.length + characters) + ENTRY_OVERHEAD]
  },
  parse: (reply) => {
    if (!Array.isArray(reply)) return null
    const [type, pttlMs, bytes] = reply
    return { type: String(type), pttlMs: Number(pttlMs), bytes: Number(bytes) }
  },
})

// The memory driver's per-entry overhead estimate (store.ts accounts for a similar one).
const ENTRY_OVERHEAD = 64

/** The type of a key and the characters it holds; the store has no TYPE, so probe by reading. */
function measure(ctx: ScriptContext, key: string): [string, number] {
  const readers: [string, () => number][] = [
    ['string', () => (ctx.get(key) ?? '').length],
    ['hash', () => Object.entries(ctx.hgetall(key)).reduce((sum, [field, value]) => sum + field.length + value.length, 0)],
    ['set', () => ctx.smembers(key).reduce((sum, member) => sum + member.length + 8, 0)],
    ['zset', () => ctx.zrangeWithScores(key, 0, -1).reduce((sum, entry) => sum + entry.member.length + 8, 0)],
  ]
  for (const [kind, read] of readers) {
    try {
      return [kind, read()]
    } catch {
      // WRONGTYPE: try the next type.
    }
  }
  return ['unknown', -1]
}
