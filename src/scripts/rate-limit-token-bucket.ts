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
 * Token bucket. KEYS: [state hash, block]; ARGV windowMs is the refill interval and
 * ARGV[7] the tokens added per interval. A bucket holds at most `limit` tokens (the
 * burst) and starts full. Refills are discrete, whole `refillRate` units per elapsed
 * interval counted from `refilledAt`, so token counts stay integers and exact. A full
 * bucket is stored as no key at all: the hash expires the moment the bucket would be
 * full again, and a missing key reads as full. See rate-limit-shared.ts for the reply.
 */
export const rateLimitTokenBucket = defineScript<RateLimitReply>({
  name: 'rate-limit-token-bucket',
  numKeys: 2,
  lua: `${RATE_LIMIT_PRELUDE}

local rate = tonumber(ARGV[7])
local tokens, refilledAt = limit, now
local state = redis.call('HMGET', KEYS[1], 'tokens', 'refilledAt')
local storedTokens, storedAt = tonumber(state[1]), tonumber(state[2])
if storedTokens and storedAt then
  tokens, refilledAt = storedTokens, storedAt
  if now > refilledAt then
    local refills = math.floor((now - refilledAt) / window)
    tokens = tokens + refills * rate
    refilledAt = refilledAt + refills * window
  end
  if tokens >= limit then
    tokens, refilledAt = limit, now
  end
end
local function fullIn(left)
  if left >= limit then return 0 end
  return refilledAt + math.ceil((limit - left) / rate) * window - now
end
if tokens < cost then
  return deny(tokens, fullIn(tokens), refilledAt + math.ceil((cost - tokens) / rate) * window - now)
end
if peek then
  return {1, tokens, fullIn(tokens), 0, 0}
end
tokens = tokens - cost
redis.call('HSET', KEYS[1], 'tokens', tokens, 'refilledAt', refilledAt)
redis.call('PEXPIRE', KEYS[1], fullIn(tokens))
return {1, tokens, fullIn(tokens), 0, 0}`,
  sha1: '47d5ace835700e230e911aa7a1d4245ed1c8cbe0',
  run: (ctx, [stateKey, blockKey], args) => {
    const a = decodeArgs(ctx, args)
    const blocked = activeBlock(ctx, blockKey as string, a)
    if (blocked) return blocked
    const { limit, cost, window, now, refillRate: rate } = a
    let tokens = limit
    let refilledAt = now
    const storedTokens = luaToNumber(ctx.hget(stateKey as string, 'tokens'))
    const storedAt = luaToNumber(ctx.hget(stateKey as string, 'refilledAt'))
    if (storedTokens !== undefined && storedAt !== undefined) {
      tokens = storedTokens
      refilledAt = storedAt
      if (now > refilledAt) {
        const refills = Math.floor((now - refilledAt) / window)
        tokens += refills * rate
        refilledAt += refills * window
      }
      if (tokens >= limit) {
        tokens = limit
        refilledAt = now
      }
    }
    const fullIn = (left: number) => (left >= limit ? 0 : refilledAt + Math.ceil((limit - left) / rate) * window - now)
    if (tokens < cost)
      return deny(ctx, blockKey as string, a, tokens, fullIn(tokens), refilledAt + Math.ceil((cost - tokens) / rate) * window - now)
    if (a.peek) return [1, tokens, fullIn(tokens), 0, 0]
    tokens -= cost
    ctx.hset(stateKey as string, { tokens: String(tokens), refilledAt: String(refilledAt) })
    ctx.pexpire(stateKey as string, fullIn(tokens))
    return [1, tokens, fullIn(tokens), 0, 0]
  },
  parse: parseRateLimitReply,
})
