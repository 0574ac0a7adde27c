import { defineScript } from '../core/script.js'
import { SEMAPHORE_LEASE_OR_RETURN_0, SERVER_NOW } from './fragments.js'

/**
 * Releases the semaphore lease of token ARGV[1] in KEYS[1]. Returns 1 when the lease was
 * still unexpired (a clean release), 0 when it was gone or had already expired (the
 * permit may have been given to someone else meanwhile).
 */
export const semaphoreRelease = defineScript<boolean>({
  name: 'semaphore-release',
  numKeys: 1,
  lua: `${SERVER_NOW}
${SEMAPHORE_LEASE_OR_RETURN_0}
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
