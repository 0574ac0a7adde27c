import { defineScript } from '../core/script.js'

/** What {@link idempotencyBegin} answers. */
export type IdempotencyBeginReply =
  /** The key was free: the caller now holds its in-progress lease and must run the operation. */
  | { state: 'run' }
  /** The key was used with another request fingerprint. */
  | { state: 'conflict' }
  /** Another caller holds the lease; it ends in `leaseMs` unless extended. */
  | { state: 'busy'; leaseMs: number }
  /** The operation finished: `kind` is `'v'` (a value) or `'e'` (an error), `payload` its encoding. */
  | { state: 'done'; kind: string; payload: string }

/**
 * The idempotency state machine's entry (KEYS[1]: one hash per idempotency key, fields
 * s = 'p' (in progress) | 'd' (done), o = the lease owner, f = the request fingerprint,
 * k = 'v' | 'e', r = the encoded result). ARGV: owner token, fingerprint, lease ms.
 *
 * A free key is claimed in the same step that finds it free, so of any number of
 * concurrent callers exactly one gets `run`. A fingerprint mismatch wins over every other
 * answer: reusing a key for another request is a client bug, whatever its state.
 * Replies `{'run'}`, `{'conflict'}`, `{'busy', pttl}` or `{'done', kind, payload}`.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const idempotencyBegin = defineScript<IdempotencyBeginReply>({
  name: 'idempotency-begin',
  numKeys: 1,
  lua: `local state = redis.call('HGET', KEYS[1], 's')
if not state then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 's', 'p', 'o', ARGV[1], 'f', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'run'}
end
if redis.call('HGET', KEYS[1], 'f') ~= ARGV[2] then return {'conflict'} end
if state == 'p' then return {'busy', redis.call('PTTL', KEYS[1])} end
return {'done', redis.call('HGET', KEYS[1], 'k'), redis.call('HGET', KEYS[1], 'r')}`,
  sha1: 'd1ebe46c3db04b155e6c5e1f630a4bfd0bfc394a',
  run: (ctx, [keyArg], [owner, fingerprint, leaseMs]) => {
    const key = keyArg as string
    const state = ctx.hget(key, 's')
    if (state === null) {
      ctx.del([key])
      ctx.hset(key, { s: 'p', o: owner as string, f: fingerprint as string })
      ctx.pexpire(key, Number(leaseMs))
      return ['run']
    }
    if (ctx.hget(key, 'f') !== fingerprint) return ['conflict']
    if (state === 'p') return ['busy', ctx.pttl(key)]
    return ['done', ctx.hget(key, 'k'), ctx.hget(key, 'r')]
  },
  parse: (reply) => {
    const [state, first, second] = reply as [string, number | string | null, string | null]
    if (state === 'run' || state === 'conflict') return { state }
    if (state === 'busy') return { state, leaseMs: Math.max(0, first as number) }
    return { state: 'done', kind: String(first), payload: second ?? '' }
  },
})
