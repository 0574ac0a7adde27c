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
 * Sliding window, the weighted-previous-window approximation (as in @upstash/ratelimit and
 * Cloudflare): windows are aligned to the epoch, and a request at fraction `f` of the
 * current window sees `previous * (1 - f) + current`. KEYS: [state hash, block]. The hash
 * holds the current window's `start`, its count `current` and the count of the window
 * before it, `previous`; it lives until the current window has stopped weighing (two
 * windows). The weighted count is used exactly (not floored, unlike @upstash/ratelimit),
 * which gives the bound derived in docs/rate-limiting.md. See rate-limit-shared.ts for ARGV
 * and the reply.
 */
export const rateLimitSlidingWindow = defineScript<RateLimitReply>({
  name: 'rate-limit-sliding-window',
  numKeys: 2,
  lua: `${RATE_LIMIT_PRELUDE}

local start = math.floor(now / window) * window
local current, previous = 0, 0
local state = redis.call('HMGET', KEYS[1], 'start', 'current', 'previous')
local storedStart = tonumber(state[1])
if storedStart == start then
  current = tonumber(state[2]) or 0
  previous = tonumber(state[3]) or 0
elseif storedStart == start - window then
  previous = tonumber(state[2]) or 0
end
local used = previous * (window - (now - start)) / window + current
local function resetIn(count)
  if count > 0 then return start + 2 * window - now end
  if previous > 0 then return start + window - now end
  return 0
end
if used + cost > limit then
  local retryAt
  if limit - cost - current >= 0 then
    retryAt = start + math.ceil(window - (limit - cost - current) * window / previous)
  else
    retryAt = start + window + math.ceil(window - (limit - cost) * window / current)
  end
  return deny(math.max(0, math.floor(limit - used)), resetIn(current), math.max(1, retryAt - now))
end
if peek then
  return {1, math.max(0, math.floor(limit - used)), resetIn(current), 0, 0}
end
redis.call('HSET', KEYS[1], 'start', start, 'current', current + cost, 'previous', previous)
redis.call('PEXPIRE', KEYS[1], start + 2 * window - now)
return {1, math.max(0, math.floor(limit - used - cost)), resetIn(current + cost), 0, 0}`,
  sha1: '2e402b1d0cfdea9dbde6d21cf04933a38f699dd0',
  run: (ctx, [stateKey, blockKey], args) => {
    const a = decodeArgs(ctx, args)
    const blocked = activeBlock(ctx, blockKey as string, a)
    if (blocked) return blocked
    const { limit, cost, window, now } = a
    const start = Math.floor(now / window) * window
    let current = 0
    let previous = 0
    const storedStart = luaToNumber(ctx.hget(stateKey as string, 'start'))
    if (storedStart === start) {
      current = luaToNumber(ctx.hget(stateKey as string, 'current')) ?? 0
      previous = luaToNumber(ctx.hget(stateKey as string, 'previous')) ?? 0
    } else if (storedStart === start - window) {
      previous = luaToNumber(ctx.hget(stateKey as string, 'current')) ?? 0
    }
    const used = (previous * (window - (now - start))) / window + current
    const resetIn = (count: number) => (count > 0 ? start + 2 * window - now : previous > 0 ? start + window - now : 0)
    if (used + cost > limit) {
      const retryAt =
        limit - cost - current >= 0
          ? start + Math.ceil(window - ((limit - cost - current) * window) / previous)
          : start + window + Math.ceil(window - ((limit - cost) * window) / current)
      return deny(ctx, blockKey as string, a, Math.max(0, Math.floor(limit - used)), resetIn(current), Math.max(1, retryAt - now))
    }
    if (a.peek) return [1, Math.max(0, Math.floor(limit - used)), resetIn(current), 0, 0]
    ctx.hset(stateKey as string, { start: String(start), current: String(current + cost), previous: String(previous) })
    ctx.pexpire(stateKey as string, start + 2 * window - now)
    return [1, Math.max(0, Math.floor(limit - used - cost)), resetIn(current + cost), 0, 0]
  },
  parse: parseRateLimitReply,
})
