import { defineScript } from '../core/script.js'
import { NOW_FROM_ARGV1 } from './fragments.js'
import { dropSession, scriptNow, SESSION_DROP, SESSION_OWNER_PATTERN, splitMeta } from './session-shared.js'

/**
 * Ends one session (see session-shared.ts for the keys). ARGV: now, handle, and the user
 * id the session must belong to (empty: any; used when the caller holds the session's
 * token, which already proves it). Replies 1 when a live session was ended, 0 when there
 * was none, it had expired (its leftovers are cleaned up), or it belongs to another user
 * (then nothing is touched). Both keys go once the user has no session left.
 */
export const sessionDestroy = defineScript<boolean>({
  name: 'session-destroy',
  numKeys: 2,
  lua: `${NOW_FROM_ARGV1}
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
local meta = redis.call('HGET', KEYS[2], ARGV[2] .. ':m')
if ARGV[3] ~= '' and meta and string.match(meta, ${SESSION_OWNER_PATTERN}) ~= ARGV[3] then
  return 0
end
if not score and not meta then return 0 end
${SESSION_DROP}
if score and meta and tonumber(score) > now then return 1 end
return 0`,
  sha1: '57d3f7fb5c0290f689775ea0704d0cb1cf929e2a',
  run: (ctx, [expiries, records], [nowArg, handleArg, userId]) => {
    const index = expiries as string
    const hash = records as string
    const handle = handleArg as string
    const now = scriptNow(ctx, nowArg)
    const score = ctx.zscore(index, handle)
    const meta = ctx.hget(hash, `${handle}:m`)
    if (userId !== '' && meta !== null && splitMeta(meta)?.userId !== userId) return 0
    if (score === null && meta === null) return 0
    dropSession(ctx, index, hash, handle)
    return score !== null && meta !== null && score > now ? 1 : 0
  },
  parse: (reply) => reply === 1,
})
