import { defineScript } from '../core/script.js'

/** What {@link lockAcquire} answers. */
export type LockAcquireReply = { acquired: true; fencingToken: number } | { acquired: false; remainingMs: number | undefined }

/**
 * Takes the lock KEYS[1] for owner token ARGV[1] for ARGV[2] milliseconds (SET NX PX),
 * and on success increments the fencing counter KEYS[2] in the same step, so the token
 * order is the order in which owners got the lock. One round trip. KEYS[2] must share
 * KEYS[1]'s hash tag. Replies `{1, fencingToken}`, or `{0, PTTL of the holder}`.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const lockAcquire = defineScript<LockAcquireReply>({
  name: 'lock-acquire',
  numKeys: 2,
  lua: `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('INCR', KEYS[2])}
end
return {0, redis.call('PTTL', KEYS[1])}`,
  sha1: 'e881a4aea1bb737c3787c23986e2f907f6074ad8',
  run: (ctx, [key, fenceKey], [token, ttlMs]) => {
    if (ctx.set(key as string, token as string, { nx: true, ttlMs: Number(ttlMs) })) return [1, ctx.incrBy(fenceKey as string, 1)]
    return [0, ctx.pttl(key as string)]
  },
  parse: (reply) => {
    const [acquired, value] = reply as [number, number]
    return acquired === 1 ? { acquired: true, fencingToken: value } : { acquired: false, remainingMs: value >= 0 ? value : undefined }
  },
})
