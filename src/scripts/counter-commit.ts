import { defineScript } from '../core/script.js'

/**
 * Marks batch ARGV[1] applied: removes it from the batch index KEYS[1] and deletes the
 * batch KEYS[2]. Returns 1 when this call committed it, 0 when it was already gone
 * (another flusher recovered and committed it: the batch was applied twice, under the
 * same batch id).
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const counterCommit = defineScript<boolean>({
  name: 'counter-commit',
  numKeys: 2,
  lua: `local listed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return listed`,
  sha1: '09300721a05605ce143ec9c722bdf98b6bfecacc',
  run: (ctx, [index, batch], [batchId]) => {
    const listed = ctx.zrem(index as string, [batchId as string])
    ctx.del([batch as string])
    return listed
  },
  parse: (reply) => reply === 1,
})
