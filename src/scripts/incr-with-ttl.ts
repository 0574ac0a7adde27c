import { defineScript } from '../core/script.js'

/**
 * INCRBY KEYS[1] by ARGV[1]; when the key has no TTL yet (first write), gives it
 * ARGV[2] milliseconds. One round trip, and a counter can never be left without expiry
 * by a crash between INCR and PEXPIRE. Returns the new value.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const incrWithTtl = defineScript<number>({
  name: 'incr-with-ttl',
  numKeys: 1,
  lua: `local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value`,
  sha1: '963f0da1a17bafc23836a18456e11d27cf4c44b3',
  run: (ctx, [key], [by, ttlMs]) => {
    const value = ctx.incrBy(key as string, Number(by))
    if (ctx.pttl(key as string) === -1) ctx.pexpire(key as string, Number(ttlMs))
    return value
  },
  parse: (reply) => reply as number,
})
