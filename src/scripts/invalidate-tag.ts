import { defineScript, type ScriptContext } from '../core/script.js'

/** A tag's invalidation times (epoch ms; 0 = never), as stored under its tag key. */
export interface TagStampReply {
  /** Entries of the tag created at or before this time are misses. */
  hardAt: number
  /** Entries of the tag created at or before this time are stale (servable within their grace). */
  softAt: number
}

/**
 * Raises one tag's invalidation time. KEYS[1] is the tag key, holding `"<hardAt>:<softAt>"`;
 * ARGV[1] is `hard` or `soft`, ARGV[2] the invalidation time (epoch ms), ARGV[3] the
 * key's TTL in ms, ARGV[4] the latest plausible time (the caller's clock plus the allowed
 * skew). Times only move forward (a host with a slower clock cannot undo a newer
 * invalidation) and the TTL only grows; but a stored time later than ARGV[4] was not
 * written by a cachekit with a sane clock (someone wrote the key by hand) and is replaced,
 * so a forged far-future stamp cannot switch caching off for the tag for good. Returns
 * `{hardAt, softAt}` as stored.
 *
 * One key per call: tag keys live in many cluster slots, so each tag is its own script.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const invalidateTag = defineScript<TagStampReply>({
  name: 'invalidate-tag',
  numKeys: 1,
  lua: `local current = redis.call('GET', KEYS[1])
local hard, soft = 0, 0
if current then
  local sep = string.find(current, ':', 1, true)
  if sep then
    hard = tonumber(string.sub(current, 1, sep - 1)) or 0
    soft = tonumber(string.sub(current, sep + 1)) or 0
  end
end
local stamp = tonumber(ARGV[2])
local latest = tonumber(ARGV[4])
if hard > latest then hard = 0 end
if soft > latest then soft = 0 end
if ARGV[1] == 'hard' then
  if stamp > hard then hard = stamp end
elseif stamp > soft then
  soft = stamp
end
local ttl = tonumber(ARGV[3])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], string.format('%.0f:%.0f', hard, soft), 'PX', ttl)
return {hard, soft}`,
  sha1: '86d0aa1b16f0601d2506949fd9da7d75d7c376aa',
  run: (ctx, [key], [mode, stampText, ttlText, latestText]) => {
    const latest = Number(latestText)
    const [storedHard, storedSoft] = parseStored(ctx, key as string).map((stored) => (stored > latest ? 0 : stored)) as [number, number]
    const stamp = Number(stampText)
    const hard = mode === 'hard' ? Math.max(storedHard, stamp) : storedHard
    const soft = mode === 'hard' ? storedSoft : Math.max(storedSoft, stamp)
    const ttlMs = Math.max(Number(ttlText), ctx.pttl(key as string))
    ctx.set(key as string, `${hard}:${soft}`, { ttlMs })
    return [hard, soft]
  },
  parse: (reply) => {
    const [hardAt, softAt] = reply as [number, number]
    return { hardAt, softAt }
  },
})

/**
 * Parses a stored tag stamp, `"<hardAt>:<softAt>"`. Anything else counts as never
 * invalidated, as the Lua half reads it.
 */
export function parseTagStamp(text: string | null): TagStampReply {
  if (text === null) return { hardAt: 0, softAt: 0 }
  const sep = text.indexOf(':')
  if (sep === -1) return { hardAt: 0, softAt: 0 }
  return { hardAt: finiteOrZero(text.slice(0, sep)), softAt: finiteOrZero(text.slice(sep + 1)) }
}

function parseStored(ctx: ScriptContext, key: string): [number, number] {
  const { hardAt, softAt } = parseTagStamp(ctx.get(key))
  return [hardAt, softAt]
}

function finiteOrZero(text: string): number {
  const value = text === '' ? Number.NaN : Number(text)
  return Number.isFinite(value) ? value : 0
}
