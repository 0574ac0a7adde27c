import { defineScript } from '../core/script.js'
import { IDEMPOTENCY_LEASE_HELD } from './fragments.js'

/**
 * Frees an idempotency key whose operation failed without a stored outcome (see
 * idempotency-begin.ts), only for the lease owner ARGV[1], so the next caller may try
 * again. Replies 1 when freed, 0 when the lease was no longer the caller's.
 */
export const idempotencyRelease = defineScript<boolean>({
  name: 'idempotency-release',
  numKeys: 1,
  lua: `if ${IDEMPOTENCY_LEASE_HELD} then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  sha1: 'b92b2b75075828cab9179992641f3aa3127f35c2',
  run: (ctx, [keyArg], [owner]) => {
    const key = keyArg as string
    if (ctx.hget(key, 's') === 'p' && ctx.hget(key, 'o') === owner) return ctx.del([key])
    return 0
  },
  parse: (reply) => reply === 1,
})
