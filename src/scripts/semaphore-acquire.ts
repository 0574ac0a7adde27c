import { defineScript } from '../core/script.js'
import { EXPIRE_WITH_HIGHEST_SCORE, SERVER_NOW } from './fragments.js'

/** What {@link semaphoreAcquire} answers. */
export type SemaphoreAcquireReply = { acquired: true; fencingToken: number } | { acquired: false; remainingMs: number }

/**
 * Takes a permit of the counting semaphore KEYS[1] (a sorted set: holder token -> lease
 * expiry in ms, on the server's clock) for token ARGV[1], if fewer than ARGV[2] unexpired
 * leases exist, for ARGV[3] milliseconds; increments the fencing counter KEYS[2] on
 * success. Expired leases are removed first: the set never holds more than the largest
 * limit used, so the work is bounded by it. The key expires with its longest lease.
 * Replies `{1, fencingToken}`, or `{0, ms until the earliest lease expires}`.
 */
export const semaphoreAcquire = defineScript<SemaphoreAcquireReply>({
  name: 'semaphore-acquire',
  numKeys: 2,
  lua: `${SERVER_NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(first[2]) - now}
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
${EXPIRE_WITH_HIGHEST_SCORE}
return {1, redis.call('INCR', KEYS[2])}`,
  sha1: '8c54368e54144a0ed0f2ab35dea5cf3d1f7ac936',
  run: (ctx, [key, fenceKey], [token, limit, ttlMs]) => {
    const holders = key as string
    const now = ctx.nowMs()
    ctx.zremRangeByScore(holders, Number.NEGATIVE_INFINITY, now)
    if (ctx.zcard(holders) >= Number(limit)) {
      const [first] = ctx.zrangeWithScores(holders, 0, 0)
      return [0, Math.trunc((first?.score ?? now) - now)]
    }
    ctx.zadd(holders, [{ member: token as string, score: now + Number(ttlMs) }])
    const [last] = ctx.zrangeWithScores(holders, -1, -1)
    ctx.pexpire(holders, (last?.score ?? now) - now)
    return [1, ctx.incrBy(fenceKey as string, 1)]
  },
  parse: (reply) => {
    const [acquired, value] = reply as [number, number]
    return acquired === 1 ? { acquired: true, fencingToken: value } : { acquired: false, remainingMs: value }
  },
})
