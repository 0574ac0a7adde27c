import { defineScript, formatRedisDouble, type ScriptContext } from '../core/script.js'

/**
 * Adds ARGV[2] to member ARGV[1] of the trending sorted set KEYS[1] (the current era),
 * sets its TTL to ARGV[3] ms and trims it to the ARGV[4] highest members; with a second
 * key, does the same to KEYS[2] (the next era) with ARGV[5] and ARGV[6]. Each write adds
 * at most one member, so trimming removes at most one: bounded work. Both keys share a
 * hash tag. Returns the member's new score in KEYS[1].
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const counterTrendIncr = defineScript<number>({
  name: 'counter-trend-incr',
  numKeys: 'any',
  lua: `local function bump(key, increment, ttlMs)
  local score = redis.call('ZINCRBY', key, increment, ARGV[1])
  redis.call('PEXPIRE', key, ttlMs)
  local extra = redis.call('ZCARD', key) - tonumber(ARGV[4])
  if extra > 0 then
    redis.call('ZREMRANGEBYRANK', key, 0, extra - 1)
  end
  return score
end
local score = bump(KEYS[1], ARGV[2], ARGV[3])
if #KEYS > 1 then
  bump(KEYS[2], ARGV[5], ARGV[6])
end
return score`,
  sha1: 'a9949d2ac7c1e6faf7ca78cb690420e528c6b80e',
  run: (ctx, keys, [member, increment, ttlMs, maxMembers, nextIncrement, nextTtlMs]) => {
    const score = bump(ctx, keys[0] as string, member as string, Number(increment), Number(ttlMs), Number(maxMembers))
    if (keys.length > 1) bump(ctx, keys[1] as string, member as string, Number(nextIncrement), Number(nextTtlMs), Number(maxMembers))
    return formatRedisDouble(score)
  },
  parse: (reply) => Number(reply),
})

function bump(ctx: ScriptContext, key: string, member: string, increment: number, ttlMs: number, maxMembers: number): number {
  const score = ctx.zincrBy(key, member, increment)
  ctx.pexpire(key, ttlMs)
  const extra = ctx.zcard(key) - maxMembers
  if (extra > 0)
    ctx.zrem(
      key,
      ctx.zrangeWithScores(key, 0, extra - 1).map((item) => item.member),
    )
  return score
}
