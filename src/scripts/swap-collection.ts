import { defineScript } from '../core/script.js'

/**
 * Publishes a collection built under a temporary key: if KEYS[1] (the temporary key)
 * holds exactly ARGV[3] members, RENAMEs it over KEYS[2] and gives it a TTL of ARGV[1]
 * ms, atomically, and returns 1. Otherwise (a chunk was lost, or the temporary key
 * expired) deletes the temporary key, leaves KEYS[2] as it was and returns 0: readers
 * never see a partial collection. ARGV[2] is `zset` or `set`. Both keys share a slot.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const swapCollection = defineScript<boolean>({
  name: 'swap-collection',
  numKeys: 2,
  lua: `local card
if ARGV[2] == 'zset' then
  card = redis.call('ZCARD', KEYS[1])
else
  card = redis.call('SCARD', KEYS[1])
end
if card == 0 or card ~= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1`,
  sha1: 'd61dda9093c02fdbecbc6a6a7fb94e45788c0470',
  run: (ctx, [temporary, destination], [ttlMs, kind, expected]) => {
    const card = kind === 'zset' ? ctx.zcard(temporary as string) : ctx.scard(temporary as string)
    if (card === 0 || card !== Number(expected)) {
      ctx.del([temporary as string])
      return 0
    }
    ctx.rename(temporary as string, destination as string)
    ctx.pexpire(destination as string, Number(ttlMs))
    return 1
  },
  parse: (reply) => reply === 1,
})
