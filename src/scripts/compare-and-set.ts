import { defineScript } from '../core/script.js'

/**
 * Sets KEYS[1] to ARGV[2] with a TTL of ARGV[3] ms, only if it still holds exactly
 * ARGV[1]. Returns 1 when written, 0 otherwise. The cache uses it to claim a key whose
 * entry a tag invalidated: of many instances that read the same invalidated entry, one
 * replaces it with its lease marker and loads; the others wait for its value.
 * Self-contained Lua: the compare-and-* scripts share only their one-line
 * `GET KEYS[1] == ARGV[1]` guard, kept inline so each script reads whole.
 */
export const compareAndSet = defineScript<boolean>({
  name: 'compare-and-set',
  numKeys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`,
  sha1: '60fd0b00d12191d5bbbd6a9dcdff0d87ab6819e7',
  run: (ctx, [key], [expected, value, ttlMs]) => {
    if (ctx.get(key as string) !== expected) return 0
    ctx.set(key as string, value as string, { ttlMs: Number(ttlMs) })
    return 1
  },
  parse: (reply) => reply === 1,
})
