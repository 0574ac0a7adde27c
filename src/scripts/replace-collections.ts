import { defineScript } from '../core/script.js'

/**
 * Writes sorted sets or sets, each in one step. KEYS are the collections (one cluster
 * slot); ARGV[1] is `zset` or `set`, ARGV[2] the TTL in ms, ARGV[3] `replace` (each key
 * is emptied first, so a reader sees the old collection or the new one, never a mix) or
 * `add` (members are added: chunks of one large collection written to a temporary key).
 * Then, per key in order, a member count n and its n members: `score, member` pairs for
 * sorted sets, members for sets. A key with n = 0 is deleted (`replace`) or left alone
 * (`add`). Returns how many members were new.
 *
 * Bounded work: callers cap the members per call (the builders' chunk size).
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const replaceCollections = defineScript<number>({
  name: 'replace-collections',
  numKeys: 'any',
  lua: `local zset = ARGV[1] == 'zset'
local replace = ARGV[3] == 'replace'
local width = 1
if zset then width = 2 end
local at = 4
local added = 0
for i = 1, #KEYS do
  local n = tonumber(ARGV[at])
  at = at + 1
  if replace then redis.call('DEL', KEYS[i]) end
  if n > 0 then
    local last = at + n * width - 1
    if zset then
      added = added + redis.call('ZADD', KEYS[i], unpack(ARGV, at, last))
    else
      added = added + redis.call('SADD', KEYS[i], unpack(ARGV, at, last))
    end
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
  at = at + n * width
end
return added`,
  sha1: '8c7845630bce5ca11427b4105ccb199e2514d692',
  run: (ctx, keys, args) => {
    const zset = args[0] === 'zset'
    const replace = args[2] === 'replace'
    const ttlMs = Number(args[1])
    let at = 3
    let added = 0
    for (const key of keys) {
      const n = Number(args[at])
      at += 1
      if (replace) ctx.del([key])
      if (n > 0) {
        if (zset) {
          const entries = []
          for (let i = 0; i < n; i++) entries.push({ score: Number(args[at + 2 * i]), member: args[at + 2 * i + 1] as string })
          added += ctx.zadd(key, entries)
        } else {
          added += ctx.sadd(key, args.slice(at, at + n))
        }
        ctx.pexpire(key, ttlMs)
      }
      at += zset ? 2 * n : n
    }
    return added
  },
  parse: (reply) => reply as number,
})
