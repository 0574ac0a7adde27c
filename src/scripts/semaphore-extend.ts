import { defineScript } from '../core/script.js'
import { EXPIRE_WITH_HIGHEST_SCORE, indent, SEMAPHORE_LEASE_OR_RETURN_0, SERVER_NOW } from './fragments.js'

/**
 * Extends the semaphore lease of token ARGV[1] in KEYS[1] to ARGV[2] milliseconds from
 * now (server clock), if it is still unexpired; with ARGV[2] = 0 only checks that it is.
 * An expired lease found here is removed. Returns 1 when the lease is held, 0 otherwise.
 */
export const semaphoreExtend = defineScript<boolean>({
  name: 'semaphore-extend',
  numKeys: 1,
  lua: `${SERVER_NOW}
${SEMAPHORE_LEASE_OR_RETURN_0}
if tonumber(score) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
if tonumber(ARGV[2]) > 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
${indent(EXPIRE_WITH_HIGHEST_SCORE, 2)}
end
return 1`,
  sha1: '5b3ee34ed5df5d3993726ea7cefb0b05d5a4e204',
  run: (ctx, [key], [token, ttlMs]) => {
    const holders = key as string
    const now = ctx.nowMs()
    const score = ctx.zscore(holders, token as string)
    if (score === null) return 0
    if (score <= now) {
      ctx.zrem(holders, [token as string])
      return 0
    }
    if (Number(ttlMs) > 0) {
      ctx.zadd(holders, [{ member: token as string, score: now + Number(ttlMs) }])
      const [last] = ctx.zrangeWithScores(holders, -1, -1)
      ctx.pexpire(holders, (last?.score ?? now) - now)
    }
    return 1
  },
  parse: (reply) => reply === 1,
})
