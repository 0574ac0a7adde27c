import { defineScript } from '../core/script.js'
import { NOW_FROM_ARGV1 } from './fragments.js'
import { scriptNow, SESSION_OWNER_PATTERN, splitMeta } from './session-shared.js'

/**
 * Ends every session of a user ("log out of all devices"), optionally but one (see
 * session-shared.ts for the keys). ARGV: now, userId, the handle to keep (empty: none).
 * Sessions of another user sharing the keys (only a hash collision could cause that) are
 * kept. Both keys go once nothing is left. Work is bounded by the per-user cap, and no
 * key pattern is ever scanned. Replies how many live sessions were ended.
 */
export const sessionDestroyAll = defineScript<number>({
  name: 'session-destroy-all',
  numKeys: 2,
  lua: `${NOW_FROM_ARGV1}
local ended = 0
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #all, 2 do
  local handle = all[i]
  local meta = redis.call('HGET', KEYS[2], handle .. ':m')
  local owner = meta and string.match(meta, ${SESSION_OWNER_PATTERN})
  if handle ~= ARGV[3] and (not meta or owner == ARGV[2]) then
    redis.call('ZREM', KEYS[1], handle)
    redis.call('HDEL', KEYS[2], handle, handle .. ':m')
    if meta and tonumber(all[i + 1]) > now then ended = ended + 1 end
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end
return ended`,
  sha1: '7e133f640e30ea495f57258d64601bd868427334',
  run: (ctx, [expiries, records], [nowArg, userId, keep]) => {
    const index = expiries as string
    const hash = records as string
    const now = scriptNow(ctx, nowArg)
    let ended = 0
    for (const { member, score } of ctx.zrangeWithScores(index, 0, -1)) {
      const meta = ctx.hget(hash, `${member}:m`)
      if (member === keep || (meta !== null && splitMeta(meta)?.userId !== userId)) continue
      ctx.zrem(index, [member])
      ctx.hdel(hash, [member, `${member}:m`])
      if (meta !== null && score > now) ended++
    }
    if (ctx.zcard(index) === 0) ctx.del([index, hash])
    return ended
  },
  parse: (reply) => reply as number,
})
