import { defineScript } from '../core/script.js'
import { indent, NOW_FROM_ARGV1 } from './fragments.js'
import {
  dropSession,
  expireWithLongest,
  type MetaFields,
  scriptNow,
  SESSION_DROP,
  SESSION_EXPIRE_WITH_LONGEST,
  splitMeta,
} from './session-shared.js'

/** What {@link sessionRead} answers for a live session. */
export interface SessionReadReply {
  /** `createdAt|absoluteExpiresAt|idleMs|lastSeenAt|userId`, after the touch if there was one. */
  meta: string
  /** The encoded data. */
  data: string
  /** Epoch ms on the server's clock. */
  expiresAt: number
}

/**
 * Reads one session (see session-shared.ts for the keys); with ARGV[3] = '1' also slides
 * its idle expiry: the new expiry is `now + idle`, never past the absolute expiry, and the
 * keys' TTL follows. ARGV: now, handle, touch. A missing, expired or half-written session
 * is cleaned up and answers nil.
 */
export const sessionRead = defineScript<SessionReadReply | null>({
  name: 'session-read',
  numKeys: 2,
  lua: `${NOW_FROM_ARGV1}
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
local meta = redis.call('HGET', KEYS[2], ARGV[2] .. ':m')
local data = redis.call('HGET', KEYS[2], ARGV[2])
if not score or not meta or not data or tonumber(score) <= now then
  if score or meta or data then
${indent(SESSION_DROP, 4)}
  end
  return false
end
local expiresAt = tonumber(score)
if ARGV[3] == '1' then
  local createdAt, absoluteAt, idle, _, user = string.match(meta, '^(%d+)|(%d+)|(%d+)|(%d+)|(.*)$')
  expiresAt = math.min(now + tonumber(idle), tonumber(absoluteAt))
  meta = createdAt .. '|' .. absoluteAt .. '|' .. idle .. '|' .. string.format('%d', now) .. '|' .. user
  redis.call('ZADD', KEYS[1], expiresAt, ARGV[2])
  redis.call('HSET', KEYS[2], ARGV[2] .. ':m', meta)
${indent(SESSION_EXPIRE_WITH_LONGEST, 2)}
end
return {meta, data, expiresAt}`,
  sha1: '4952332c23bcb9c638b59dd9530f099c8fe96b3e',
  run: (ctx, [expiries, records], [nowArg, handleArg, touch]) => {
    const index = expiries as string
    const hash = records as string
    const handle = handleArg as string
    const now = scriptNow(ctx, nowArg)
    const score = ctx.zscore(index, handle)
    let meta = ctx.hget(hash, `${handle}:m`)
    const data = ctx.hget(hash, handle)
    if (score === null || meta === null || data === null || score <= now) {
      if (score !== null || meta !== null || data !== null) dropSession(ctx, index, hash, handle)
      return null
    }
    let expiresAt = score
    if (touch === '1') {
      const fields = splitMeta(meta) as MetaFields
      expiresAt = Math.min(now + Number(fields.idle), Number(fields.absoluteAt))
      meta = `${fields.createdAt}|${fields.absoluteAt}|${fields.idle}|${now}|${fields.userId}`
      ctx.zadd(index, [{ member: handle, score: expiresAt }])
      ctx.hset(hash, { [`${handle}:m`]: meta })
      expireWithLongest(ctx, index, hash, now)
    }
    return [meta, data, expiresAt]
  },
  parse: (reply) => {
    if (reply === null) return null
    const [meta, data, expiresAt] = reply as [string, string, number]
    return { meta, data, expiresAt }
  },
})
