import { defineScript } from '../core/script.js'

/**
 * Sets a TTL of ARGV[2] milliseconds on KEYS[1] only if it holds ARGV[1].
 * Returns 1 when extended, 0 otherwise. The building block of safe lock extension.
 * Self-contained Lua: the compare-and-* scripts share only their one-line
 * `GET KEYS[1] == ARGV[1]` guard, kept inline so each script reads whole.
 */
export const compareAndExpire = defineScript<boolean>({
  name: 'compare-and-expire',
  numKeys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`,
  sha1: 'b8781a7c50e72ae869ca41c3fe9f504e365f3881',
  run: (ctx, [key], [expected, ttlMs]) => (ctx.get(key as string) === expected ? (ctx.pexpire(key as string, Number(ttlMs)) ? 1 : 0) : 0),
  parse: (reply) => reply === 1,
})
