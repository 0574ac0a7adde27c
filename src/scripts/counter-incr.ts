import { defineScript } from '../core/script.js'

/**
 * The write-behind increment: INCRBY the counter KEYS[1] by ARGV[1] (giving it a TTL of
 * ARGV[2] ms on first write unless ARGV[2] is 0) and add the same delta to member ARGV[3]
 * of the family's pending sorted set KEYS[2], in one atomic step, so every increment a
 * reader can see is also waiting to be flushed. KEYS[2] shares KEYS[1]'s hash tag.
 * Returns the counter's new value.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const counterIncr = defineScript<number>({
  name: 'counter-incr',
  numKeys: 2,
  lua: `local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '0' and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
redis.call('ZINCRBY', KEYS[2], ARGV[1], ARGV[3])
return value`,
  sha1: '56487d0fa2e0e4930860e69bb18b08f042a8a040',
  run: (ctx, [key, pending], [by, ttlMs, member]) => {
    const value = ctx.incrBy(key as string, Number(by))
    if (ttlMs !== '0' && ctx.pttl(key as string) === -1) ctx.pexpire(key as string, Number(ttlMs))
    ctx.zincrBy(pending as string, member as string, Number(by))
    return value
  },
  parse: (reply) => reply as number,
})
