import { defineScript } from '../core/script.js'
import { IDEMPOTENCY_LEASE_HELD } from './fragments.js'

/**
 * Extends the in-progress lease on an idempotency key (see idempotency-begin.ts) to ARGV[2]
 * ms, only for its owner ARGV[1]. Replies 1 when extended, 0 when the lease was lost.
 */
export const idempotencyExtend = defineScript<boolean>({
  name: 'idempotency-extend',
  numKeys: 1,
  lua: `if ${IDEMPOTENCY_LEASE_HELD} then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`,
  sha1: '15960c8f3752b5e37371a6b550af28bb9f2353df',
  run: (ctx, [keyArg], [owner, leaseMs]) => {
    const key = keyArg as string
    if (ctx.hget(key, 's') === 'p' && ctx.hget(key, 'o') === owner) return ctx.pexpire(key, Number(leaseMs)) ? 1 : 0
    return 0
  },
  parse: (reply) => reply === 1,
})
