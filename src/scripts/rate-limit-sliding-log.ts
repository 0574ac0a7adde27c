import { defineScript } from '../core/script.js'
import { activeBlock, decodeArgs, deny, luaToNumber, parseRateLimitReply, type RateLimitReply } from './rate-limit-shared.js'

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
  lua: `local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local cost = tonumber(ARGV[2])
local peek = ARGV[3] == '1'
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local blockFor = tonumber(ARGV[6])
if blockFor > 0 then
  local blockedUntil = tonumber(redis.call('GET', KEYS[2]))
  if blockedUntil and blockedUntil > now then
    return {0, 0, blockedUntil - now, blockedUntil - now, 1}
  end
end
local function deny(remaining, resetIn, retryIn)
  if peek or blockFor == 0 then
    return {0, remaining, resetIn, retryIn, 0}
  end
  redis.call('SET', KEYS[2], now + blockFor, 'PX', blockFor)
  return {0, 0, math.max(resetIn, blockFor), math.max(retryIn, blockFor), 1}
end

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
