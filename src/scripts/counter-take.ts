import { defineScript, formatRedisDouble } from '../core/script.js'

/**
 * Takes up to ARGV[2] pending deltas out of the family shard's pending sorted set KEYS[1]
 * into the batch KEYS[3] (a sorted set: counter id -> delta), and records batch id ARGV[1]
 * in the shard's batch index KEYS[2] (score: ARGV[3], when it was taken). Zero deltas are
 * dropped. The work is bounded by ARGV[2]. All three keys share one hash tag.
 * Returns the taken deltas as a flat list: id, delta, id, delta, ...
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const counterTake = defineScript<{ id: string; delta: number }[]>({
  name: 'counter-take',
  numKeys: 3,
  lua: `local items = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local taken = {}
for i = 1, #items, 2 do
  redis.call('ZREM', KEYS[1], items[i])
  if tonumber(items[i + 1]) ~= 0 then
    redis.call('ZADD', KEYS[3], items[i + 1], items[i])
    taken[#taken + 1] = items[i]
    taken[#taken + 1] = items[i + 1]
  end
end
if #taken > 0 then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return taken`,
  sha1: '9b48cfe51e778dc939e89c1a0758a134b6182d7b',
  run: (ctx, [pending, index, batch], [batchId, maxItems, takenAtMs]) => {
    const taken: string[] = []
    for (const { member, score } of ctx.zrangeWithScores(pending as string, 0, Number(maxItems) - 1)) {
      ctx.zrem(pending as string, [member])
      if (score === 0) continue
      ctx.zadd(batch as string, [{ member, score }])
      taken.push(member, formatRedisDouble(score))
    }
    if (taken.length > 0) ctx.zadd(index as string, [{ member: batchId as string, score: Number(takenAtMs) }])
    return taken
  },
  parse: (reply) => pairs(reply as string[]),
})

function pairs(flat: readonly string[]): { id: string; delta: number }[] {
  const entries: { id: string; delta: number }[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) entries.push({ id: flat[i] as string, delta: Number(flat[i + 1]) })
  return entries
}
