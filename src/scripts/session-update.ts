import { defineScript } from '../core/script.js'
import { indent, NOW_FROM_ARGV1 } from './fragments.js'
import { dropSession, scriptNow, SESSION_DROP } from './session-shared.js'

/**
 * Replaces one live session's data, keeping its expiry (see session-shared.ts for the
 * keys). ARGV: now, handle, data. Replies 1 when the session was live and updated, 0
 * otherwise (a dead session's leftovers are cleaned up).
 */
export const sessionUpdate = defineScript<boolean>({
  name: 'session-update',
  numKeys: 2,
  lua: `${NOW_FROM_ARGV1}
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
local meta = redis.call('HGET', KEYS[2], ARGV[2] .. ':m')
if not score or not meta or tonumber(score) <= now then
  if score or meta then
${indent(SESSION_DROP, 4)}
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
