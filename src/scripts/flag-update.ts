import { defineScript } from '../core/script.js'

/** What {@link flagUpdate} answers. */
export interface FlagUpdateReply {
  /** The write happened. */
  written: boolean
  /** The flag's revision now: the new one when written, the current one otherwise (0: no flag). */
  revision: number
}

/**
 * Compare-and-set of one feature flag in the flag table KEYS[1] (a hash: flag name ->
 * `revision|json`). ARGV: name, the expected revision ('-1': any), the new JSON (empty:
 * delete the flag). Writes only if the flag's current revision is the expected one, so
 * concurrent read-modify-write updates never lose each other's changes.
 * Replies `{1, newRevision}` or `{0, currentRevision}`.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const flagUpdate = defineScript<FlagUpdateReply>({
  name: 'flag-update',
  numKeys: 1,
  lua: `local current = redis.call('HGET', KEYS[1], ARGV[1])
local revision = 0
if current then revision = tonumber(string.match(current, '^(%d+)|')) or 0 end
if ARGV[2] ~= '-1' and tonumber(ARGV[2]) ~= revision then return {0, revision} end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return {1, 0}
end
redis.call('HSET', KEYS[1], ARGV[1], (revision + 1) .. '|' .. ARGV[3])
return {1, revision + 1}`,
  sha1: '6c82ae8a6f9341d61d087038b4b07cb32989860c',
  run: (ctx, [keyArg], [name, expected, json]) => {
    const key = keyArg as string
    const current = ctx.hget(key, name as string)
    const revision = current === null ? 0 : Number(/^(\d+)\|/.exec(current)?.[1] ?? 0)
    if (expected !== '-1' && Number(expected) !== revision) return [0, revision]
    if (json === '') {
      ctx.hdel(key, [name as string])
      return [1, 0]
    }
    ctx.hset(key, { [name as string]: `${revision + 1}|${json}` })
    return [1, revision + 1]
  },
  parse: (reply) => {
    const [written, revision] = reply as [number, number]
    return { written: written === 1, revision }
  },
})
