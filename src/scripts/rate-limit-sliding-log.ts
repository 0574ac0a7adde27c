import { defineScript } from '../core/script.js'
import {
  activeBlock,
  decodeArgs,
  deny,
  luaToNumber,
  parseRateLimitReply,
  RATE_LIMIT_PRELUDE,
  type RateLimitReply,
} from './rate-limit-shared.js'

/**
 * Sliding log: exact, for small limits. KEYS: [log sorted set, block, sequence]. Each
 * admitted unit of cost is one member scored by its time, so the count over the last
 * window, (now - windowMs, now], is exact. Members are numbers from the sequence key, so
 * two requests in the same millisecond never collide. The log never holds more than
 * `limit` members (the limiter caps `limit` for this algorithm), which bounds the work of
 * every call. See rate-limit-shared.ts for ARGV and the reply.
 */
export const rateLimitSlidingLog = defineScript<RateLimitReply>({
  name: 'rate-limit-sliding-log',
  numKeys: 3,
  lua: `${RATE_LIMIT_PRELUDE}

local horizon = now - window
if not peek then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
end
local count = redis.call('ZCOUNT', KEYS[1], '(' .. horizon, '+inf')
local function emptyIn()
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if newest[2] == nil then return 0 end
  return math.max(0, tonumber(newest[2]) + window - now)
end
if count + cost > limit then
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. horizon, '+inf', 'WITHSCORES', 'LIMIT', count + cost - limit - 1, 1)
  return deny(math.max(0, limit - count), emptyIn(), tonumber(oldest[2]) + window - now)
end
if peek then
  return {1, limit - count, emptyIn(), 0, 0}
end
local last = redis.call('INCRBY', KEYS[3], cost)
for member = last - cost + 1, last do
  redis.call('ZADD', KEYS[1], now, member)
end
local ttl = emptyIn()
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return {1, limit - count - cost, ttl, 0, 0}`,
  sha1: '50a34f9e1192f6993e00c70e2ad2c724ec744733',
  run: (ctx, [logKey, blockKey, sequenceKey], args) => {
    const a = decodeArgs(ctx, args)
    const blocked = activeBlock(ctx, blockKey as string, a)
    if (blocked) return blocked
    const { limit, cost, window, now } = a
    const horizon = now - window
    if (!a.peek) ctx.zremRangeByScore(logKey as string, Number.NEGATIVE_INFINITY, horizon)
    // ZCOUNT (horizon +inf and ZRANGEBYSCORE ... LIMIT: the store has neither, and the log is small.
    const live = ctx.zrangeWithScores(logKey as string, 0, -1).filter((entry) => entry.score > horizon)
    const count = live.length
    const emptyIn = () => {
      const newest = ctx.zrangeWithScores(logKey as string, -1, -1)[0]
      return newest === undefined ? 0 : Math.max(0, newest.score + window - now)
    }
    if (count + cost > limit) {
      const oldest = live[count + cost - limit - 1] as { score: number }
      return deny(ctx, blockKey as string, a, Math.max(0, limit - count), emptyIn(), oldest.score + window - now)
    }
    if (a.peek) return [1, limit - count, emptyIn(), 0, 0]
    const last = ctx.incrBy(sequenceKey as string, cost)
    for (let member = last - cost + 1; member <= last; member++) ctx.zadd(logKey as string, [{ member: String(member), score: now }])
    const ttl = emptyIn()
    ctx.pexpire(logKey as string, ttl)
    ctx.pexpire(sequenceKey as string, ttl)
    return [1, limit - count - cost, ttl, 0, 0]
  },
  parse: parseRateLimitReply,
})
