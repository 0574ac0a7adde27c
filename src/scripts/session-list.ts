import { defineScript } from '../core/script.js'
import { NOW_FROM_ARGV1 } from './fragments.js'
import { scriptNow, SESSION_OWNER_PATTERN, splitMeta } from './session-shared.js'

/** One live session as {@link sessionList} answers it. */
export interface SessionListEntry {
  handle: string
  /** Epoch ms on the server's clock. */
  expiresAt: number
  /** `createdAt|absoluteExpiresAt|idleMs|lastSeenAt|userId`. */
  meta: string
  /** The encoded data. */
  data: string
}

/**
 * Lists a user's live sessions (see session-shared.ts for the keys), closest to expiring
 * first. ARGV: now, userId. Sessions of another user sharing the keys (which only a hash
 * collision could cause) are skipped. Read-only; work is bounded by the per-user cap.
 * Replies a flat array: handle, expiresAt, meta, data, handle, ...
 */
export const sessionList = defineScript<SessionListEntry[]>({
  name: 'session-list',
  numKeys: 2,
  lua: `${NOW_FROM_ARGV1}
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf', 'WITHSCORES')
local reply = {}
for i = 1, #live, 2 do
  local meta = redis.call('HGET', KEYS[2], live[i] .. ':m')
  local data = redis.call('HGET', KEYS[2], live[i])
  if meta and data and string.match(meta, ${SESSION_OWNER_PATTERN}) == ARGV[2] then
    table.insert(reply, live[i])
    table.insert(reply, tonumber(live[i + 1]))
    table.insert(reply, meta)
    table.insert(reply, data)
  end
end
return reply`,
  sha1: '641282d4d988245770d280743bba950ec7ed8457',
  run: (ctx, [expiries, records], [nowArg, userId]) => {
    const hash = records as string
    const now = scriptNow(ctx, nowArg)
    const reply: (string | number)[] = []
    for (const { member, score } of ctx.zrangeWithScores(expiries as string, 0, -1)) {
      if (score <= now) continue
      const meta = ctx.hget(hash, `${member}:m`)
      const data = ctx.hget(hash, member)
      if (meta !== null && data !== null && splitMeta(meta)?.userId === userId) reply.push(member, score, meta, data)
    }
    return reply
  },
  parse: (reply) => {
    const flat = reply as (string | number)[]
    const entries: SessionListEntry[] = []
    for (let index = 0; index + 3 < flat.length; index += 4) {
      entries.push({
        handle: flat[index] as string,
        expiresAt: flat[index + 1] as number,
        meta: flat[index + 2] as string,
        data: flat[index + 3] as string,
      })
    }
    return entries
  },
})
