import { defineScript } from '../core/script.js'

/**
 * Releases the semaphore lease of token ARGV[1] in KEYS[1]. Returns 1 when the lease was
 * still unexpired (a clean release), 0 when it was gone or had already expired (the
 * permit may have been given to someone else meanwhile).
 */
export const semaphoreRelease = defineScript<boolean>({
  name: 'semaphore-release',
  numKeys: 1,
  lua: `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
if tonumber(score) <= now then
  return 0
end
return 1`,
  sha1: '3df0814ffeb7ef3bf339acc61f91ca1274629c72',
  run: (ctx, [key], [token]) => {
    const score = ctx.zscore(key as string, token as string)
    if (score === null) return 0
    ctx.zrem(key as string, [token as string])
    return score <= ctx.nowMs() ? 0 : 1
  },
  parse: (reply) => reply === 1,
})
