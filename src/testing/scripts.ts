/**
 * Scripts the conformance suite uses to probe a driver's script support. Each is
 * self-contained Lua and uses no fragment (src/scripts/fragments.ts).
 */
import { defineScript, formatRedisDouble, luaArray, type ScriptReply } from '../core/script.js'

/** Returns `{#KEYS, KEYS[1], ARGV[1], 3.7, {1, 'x', {}}}`: checks reply conversion (3.7 becomes 3, a nil ends the table). */
export const echoScript = defineScript<ScriptReply>({
  name: 'conformance-echo',
  numKeys: 'any',
  lua: `return {#KEYS, KEYS[1], ARGV[1], 3.7, {1, 'x', {}}}`,
  sha1: '8d4b6f35cb7029501c9bfe6c7197bfe010f0d5e6',
  run: (_ctx, keys, args) => luaArray(keys.length, keys[0], args[0], 3, [1, 'x', []]),
})

/** Sets every KEYS[i] to ARGV[1] and returns how many keys it wrote: the cross-slot probe. */
export const setAllScript = defineScript<number>({
  name: 'conformance-set-all',
  numKeys: 'any',
  lua: `for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1])
end
return #KEYS`,
  sha1: 'df72fe6681aea45784ffe258af265243ff8f238a',
  run: (ctx, keys, [value]) => {
    for (const key of keys) ctx.set(key, value as string)
    return keys.length
  },
  parse: (reply) => reply as number,
})

/** Returns nil for ARGV[1] == 'nil', false for 'false', true for 'true': null, null, 1. */
export const nilScript = defineScript<ScriptReply>({
  name: 'conformance-nil',
  numKeys: 0,
  lua: `if ARGV[1] == 'nil' then return nil end
if ARGV[1] == 'false' then return false end
return true`,
  sha1: '8692d202ec003c301ab2b09cdd0e6b4ee09f1ade',
  run: (_ctx, _keys, [mode]) => (mode === 'true' ? 1 : null),
})

/** Reads a hash, a set's size and a sorted set's top member in one script: data types through scripts. */
export const readTypesScript = defineScript<ScriptReply>({
  name: 'conformance-read-types',
  numKeys: 3,
  lua: `local top = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
return {redis.call('HGET', KEYS[1], 'f'), redis.call('SCARD', KEYS[2]), top[1] or false, top[2] or false}`,
  sha1: '69762bead73a669ae91a1596e60cefd6f9a87d7f',
  run: (ctx, [hash, set, zset]) => {
    const top = ctx.zrangeWithScores(zset as string, 0, 0)[0]
    return [
      ctx.hget(hash as string, 'f'),
      ctx.scard(set as string),
      top?.member ?? null,
      top === undefined ? null : formatRedisDouble(top.score),
    ]
  },
})

/** Every probe script, for the SHA and parity tests. */
export const conformanceScripts = [echoScript, setAllScript, nilScript, readTypesScript] as const
