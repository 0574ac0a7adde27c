import { defineScript } from '../core/script.js'
import { dropSession, scriptNow } from './session-shared.js'

/**
 * Replaces one live session's data, keeping its expiry (see session-shared.ts for the
 * keys). ARGV: now, handle, data. Replies 1 when the session was live and updated, 0
 * otherwise (a dead session's leftovers are cleaned up).
 */
export const sessionUpdate = defineScript<boolean>({
  name: 'session-update',
  numKeys: 2,
  lua: `local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
local meta = redis.call('HGET', KEYS[2], ARGV[2] .. ':m')
if not score or not meta or tonumber(score) <= now then
  if score or meta then
    redis.call('ZREM', KEYS[1], ARGV[2])
    redis.call('HDEL', KEYS[2], ARGV[2], ARGV[2] .. ':m')
    if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
  end
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`,
  sha1: '348216f5c7f115a821618bb3e01defd74e920ad4',
  run: (ctx, [expiries, records], [nowArg, handleArg, data]) => {
    const index = expiries as string
    const hash = records as string
    const handle = handleArg as string
    const now = scriptNow(ctx, nowArg)
    const score = ctx.zscore(index, handle)
    const meta = ctx.hget(hash, `${handle}:m`)
    if (score === null || meta === null || score <= now) {
      if (score !== null || meta !== null) dropSession(ctx, index, hash, handle)
      return 0
    }
    ctx.hset(hash, { [handle]: data as string })
    return 1
  },
  parse: (reply) => reply === 1,
})
