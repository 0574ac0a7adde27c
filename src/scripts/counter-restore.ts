import { defineScript } from '../core/script.js'

/**
 * Merges the batch KEYS[3] back into the pending sorted set KEYS[1] (adding each delta
 * to whatever arrived since), deletes the batch and removes batch id ARGV[1] from the
 * batch index KEYS[2]: what a flush does when its handler throws. The work is bounded by
 * the batch's size, which counter-take bounded. Returns how many deltas were restored.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const counterRestore = defineScript<number>({
  name: 'counter-restore',
  numKeys: 3,
  lua: `local items = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
for i = 1, #items, 2 do
  redis.call('ZINCRBY', KEYS[1], items[i + 1], items[i])
end
redis.call('DEL', KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return #items / 2`,
  sha1: '0c38f70817238b4857ea62b022495c57cb6bea5e',
  run: (ctx, [pending, index, batch], [batchId]) => {
    const items = ctx.zrangeWithScores(batch as string, 0, -1)
    for (const { member, score } of items) ctx.zincrBy(pending as string, member, score)
    ctx.del([batch as string])
    ctx.zrem(index as string, [batchId as string])
    return items.length
  },
  parse: (reply) => reply as number,
})
