import { defineScript } from '../core/script.js'

/**
 * Stores an operation's outcome under its idempotency key (see idempotency-begin.ts for
 * the fields) if the caller still holds the in-progress lease, or if the key is free (the
 * lease ran out but nobody took over: recording the outcome still prevents a second run).
 * ARGV: owner token, fingerprint, kind ('v' | 'e'), payload, result TTL ms. Replies 1 when
 * stored, 0 when another caller took the key over (its outcome is left alone).
 * Self-contained Lua: its owner check reuses the `s` it has read, so it does not use
 * IDEMPOTENCY_LEASE_HELD (fragments.ts), which would read it again.
 */
export const idempotencyComplete = defineScript<boolean>({
  name: 'idempotency-complete',
  numKeys: 1,
  lua: `local state = redis.call('HGET', KEYS[1], 's')
if state and not (state == 'p' and redis.call('HGET', KEYS[1], 'o') == ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 's', 'd', 'f', ARGV[2], 'k', ARGV[3], 'r', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1`,
  sha1: '161d78f380df8f22bf69e37f32136e6cf0b7030f',
  run: (ctx, [keyArg], [owner, fingerprint, kind, payload, ttlMs]) => {
    const key = keyArg as string
    const state = ctx.hget(key, 's')
    if (state !== null && !(state === 'p' && ctx.hget(key, 'o') === owner)) return 0
    ctx.del([key])
    ctx.hset(key, { s: 'd', f: fingerprint as string, k: kind as string, r: payload as string })
    ctx.pexpire(key, Number(ttlMs))
    return 1
  },
  parse: (reply) => reply === 1,
})
