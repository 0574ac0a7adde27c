import { defineScript } from '../core/script.js'
import { NOW_FROM_ARGV1 } from './fragments.js'
import { expireWithLongest, pruneExpired, scriptNow, SESSION_EXPIRE_WITH_LONGEST } from './session-shared.js'

/** What {@link sessionCreate} answers, in epoch ms on the server's clock. */
export interface SessionCreateReply {
  createdAt: number
  expiresAt: number
  /** How many of the user's sessions were evicted to stay within the cap. */
  evicted: number
}

/**
 * Creates a session (see session-shared.ts for the keys). ARGV: now, handle, userId, data,
 * idle ms, absolute ms, the per-user cap. Expired sessions are pruned first; then, while
 * the user is at the cap, the sessions closest to expiring are evicted, so the user never
 * holds more than the cap, however many creates race. Work is bounded by the cap. Both
 * keys expire with the user's longest-lived session. Replies `{now, expiresAt, evicted}`.
 */
export const sessionCreate = defineScript<SessionCreateReply>({
  name: 'session-create',
  numKeys: 2,
  lua: `${NOW_FROM_ARGV1}
for _, handle in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('HDEL', KEYS[2], handle, handle .. ':m')
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local evicted = 0
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[7]) + 1
if excess > 0 then
  for _, handle in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess - 1)) do
    redis.call('HDEL', KEYS[2], handle, handle .. ':m')
  end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
  evicted = excess
end
local idle = tonumber(ARGV[5])
local absoluteAt = now + tonumber(ARGV[6])
local expiresAt = math.min(now + idle, absoluteAt)
redis.call('ZADD', KEYS[1], expiresAt, ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4], ARGV[2] .. ':m', string.format('%d|%d|%d|%d|', now, absoluteAt, idle, now) .. ARGV[3])
${SESSION_EXPIRE_WITH_LONGEST}
return {now, expiresAt, evicted}`,
  sha1: 'f84ddc785b0a99186e6fb44a6aeccb2d95da7c2d',
  run: (ctx, [expiries, records], [nowArg, handle, userId, data, idleText, absoluteText, capText]) => {
    const index = expiries as string
    const hash = records as string
    const now = scriptNow(ctx, nowArg)
    pruneExpired(ctx, index, hash, now)
    let evicted = 0
    const excess = ctx.zcard(index) - Number(capText) + 1
    if (excess > 0) {
      for (const { member } of ctx.zrangeWithScores(index, 0, excess - 1)) {
        ctx.hdel(hash, [member, `${member}:m`])
        ctx.zrem(index, [member])
      }
      evicted = excess
    }
    const idle = Number(idleText)
    const absoluteAt = now + Number(absoluteText)
    const expiresAt = Math.min(now + idle, absoluteAt)
    ctx.zadd(index, [{ member: handle as string, score: expiresAt }])
    ctx.hset(hash, { [handle as string]: data as string, [`${handle}:m`]: `${now}|${absoluteAt}|${idle}|${now}|${userId}` })
    expireWithLongest(ctx, index, hash, now)
    return [now, expiresAt, evicted]
  },
  parse: (reply) => {
    const [createdAt, expiresAt, evicted] = reply as [number, number, number]
    return { createdAt, expiresAt, evicted }
  },
})
