/**
 * Named Lua fragments the scripts are composed from, so a fix lands in every script that
 * shares the code. Composition is plain template strings, joined once at module load: the
 * final string is what is hashed into `sha1` and sent, so after editing a fragment run
 * `npm run scripts:sha` (the SHA test fails until you do).
 *
 * This file holds the fragments shared across domains (the clock, sorted-set expiries) and
 * those of domains without a shared file (semaphores, idempotency). The rate-limit prelude
 * lives in rate-limit-shared.ts and the session fragments in session-shared.ts, each
 * beside the JavaScript functions that are their twins' halves.
 *
 * A fragment is a whole number of lines with no trailing newline; {@link indent} places
 * one inside a block. Each names the Lua locals it declares or expects.
 */

/** The server's clock in epoch ms, from a `TIME` reply held in the local `time` (a Lua expression). */
const TIME_MS = 'tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)'

/**
 * Declares `now`: the server's clock in epoch ms (`TIME`), for scripts that never take the
 * time as an argument. Twin: `ctx.nowMs()`.
 */
export const SERVER_NOW = `local time = redis.call('TIME')
local now = ${TIME_MS}`

/**
 * Declares `now` from ARGV[1], or from the server's clock (`TIME`) when ARGV[1] is empty.
 * Production passes it empty, so clock skew between application hosts cannot move the
 * script's time; tests pass a value to compare the Lua with its twin deterministically.
 * Twins: `scriptNow` (session-shared.ts) and `decodeArgs` (rate-limit-shared.ts).
 */
export const NOW_FROM_ARGV1 = `local now = tonumber(ARGV[1])
if not now then
  local time = redis.call('TIME')
  now = ${TIME_MS}
end`

/**
 * Gives the sorted set KEYS[1], scored by expiry (epoch ms), a TTL that ends with its
 * highest score, and leaves that score in `last[2]`. Expects `now`. KEYS[1] must not be
 * empty (the caller has just added a member).
 */
export const EXPIRE_WITH_HIGHEST_SCORE = `local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], tonumber(last[2]) - now)`

/**
 * Semaphores: declares `score`, the lease expiry of token ARGV[1] in KEYS[1], and returns 0
 * from the script when the token holds no lease.
 */
export const SEMAPHORE_LEASE_OR_RETURN_0 = `local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then
  return 0
end`

/**
 * Idempotency: a Lua condition, true while the key KEYS[1] is in progress (`s = 'p'`) under
 * the lease of owner token ARGV[1] (see idempotency-begin.ts for the fields).
 */
export const IDEMPOTENCY_LEASE_HELD = `redis.call('HGET', KEYS[1], 's') == 'p' and redis.call('HGET', KEYS[1], 'o') == ARGV[1]`

/** Indents every line of a fragment by `spaces`, to place it inside a Lua block. */
export function indent(fragment: string, spaces: number): string {
  const margin = ' '.repeat(spaces)
  return fragment
    .split('\n')
    .map((line) => margin + line)
    .join('\n')
}
