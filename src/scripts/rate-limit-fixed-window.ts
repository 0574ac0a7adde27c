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
 * Fixed window. KEYS: [state hash, block]. The window starts with an identifier's first
 * request and lasts ARGV windowMs (as in express-rate-limit's and rate-limiter-flexible's
 * Redis stores), so identifiers do not all reset at the same instant. The hash holds
 * `count` and the window's `end`; it expires with the window.
 * See rate-limit-shared.ts for ARGV and the reply.
 */
export const rateLimitFixedWindow = defineScript<RateLimitReply>({
  name: 'rate-limit-fixed-window',
  numKeys: 2,
  lua: `${RATE_LIMIT_PRELUDE}

local count, windowEnd = 0, now + window
local state = redis.call('HMGET', KEYS[1], 'count', 'end')
local storedEnd = tonumber(state[2])
if storedEnd and storedEnd > now then
  count = tonumber(state[1]) or 0
  windowEnd = storedEnd
end
if count + cost > limit then
  return deny(math.max(0, limit - count), windowEnd - now, windowEnd - now)
end
if peek then
  local resetIn = 0
  if count > 0 then resetIn = windowEnd - now end
  return {1, limit - count, resetIn, 0, 0}
end
redis.call('HSET', KEYS[1], 'count', count + cost, 'end', windowEnd)
redis.call('PEXPIRE', KEYS[1], windowEnd - now)
return {1, limit - count - cost, windowEnd - now, 0, 0}`,
  sha1: '9905daed9315dd2e3c805aa3bf5cd98c2c54c056',
  run: (ctx, [stateKey, blockKey], args) => {
    const a = decodeArgs(ctx, args)
    const blocked = activeBlock(ctx, blockKey as string, a)
    if (blocked) return blocked
    let count = 0
    let windowEnd = a.now + a.window
    const storedEnd = luaToNumber(ctx.hget(stateKey as string, 'end'))
    if (storedEnd !== undefined && storedEnd > a.now) {
      count = luaToNumber(ctx.hget(stateKey as string, 'count')) ?? 0
      windowEnd = storedEnd
    }
    if (count + a.cost > a.limit)
      return deny(ctx, blockKey as string, a, Math.max(0, a.limit - count), windowEnd - a.now, windowEnd - a.now)
    if (a.peek) return [1, a.limit - count, count > 0 ? windowEnd - a.now : 0, 0, 0]
    ctx.hset(stateKey as string, { count: String(count + a.cost), end: String(windowEnd) })
    ctx.pexpire(stateKey as string, windowEnd - a.now)
    return [1, a.limit - count - a.cost, windowEnd - a.now, 0, 0]
  },
  parse: parseRateLimitReply,
})
