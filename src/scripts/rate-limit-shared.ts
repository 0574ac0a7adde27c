/**
 * What the four rate-limit scripts share: their arguments, their reply, the Lua prelude
 * every one of them starts with ({@link RATE_LIMIT_PRELUDE}: clock, arguments, block check,
 * the `deny` function), and that prelude's JavaScript halves for the twins.
 *
 * Every rate-limit script takes KEYS = [state, block, ...] (one hash tag) and
 * ARGV = [now, cost, peek, limit, windowMs, blockForMs, refillRate?]. `now` is empty in
 * production: the script then reads the server's clock (`TIME`), so clock skew between
 * application hosts cannot shift a window. Tests pass an explicit `now` to check the Lua
 * arithmetic against the twin deterministically.
 *
 * The reply is five integers: allowed (0/1), remaining, resetInMs, retryAfterMs, blocked (0/1).
 * Times are relative to the script's `now`, so the caller can anchor them to its own clock.
 */
import { ValidationError } from '../core/errors/index.js'
import type { ScriptContext, ScriptReply } from '../core/script.js'
import { NOW_FROM_ARGV1 } from './fragments.js'

/**
 * The Lua every rate-limit script starts with. Declares `now`, `cost`, `peek`, `limit`,
 * `window` and `blockFor` from ARGV; returns the blocked reply while a penalty block runs
 * (only when the policy has `blockFor`); and defines `deny(remaining, resetIn, retryIn)`,
 * which starts the penalty block unless peeking. Twins: {@link decodeArgs},
 * {@link activeBlock}, {@link deny}.
 */
export const RATE_LIMIT_PRELUDE = `${NOW_FROM_ARGV1}
local cost = tonumber(ARGV[2])
local peek = ARGV[3] == '1'
local limit = tonumber(ARGV[4])
local window = tonumber(ARGV[5])
local blockFor = tonumber(ARGV[6])
if blockFor > 0 then
  local blockedUntil = tonumber(redis.call('GET', KEYS[2]))
  if blockedUntil and blockedUntil > now then
    return {0, 0, blockedUntil - now, blockedUntil - now, 1}
  end
end
local function deny(remaining, resetIn, retryIn)
  if peek or blockFor == 0 then
    return {0, remaining, resetIn, retryIn, 0}
  end
  redis.call('SET', KEYS[2], now + blockFor, 'PX', blockFor)
  return {0, 0, math.max(resetIn, blockFor), math.max(retryIn, blockFor), 1}
end`

/** A rate-limit script's answer. */
export interface RateLimitReply {
  /** The request fits (and, unless peeking, was counted). */
  allowed: boolean
  /** Units left after this request (peek: left now). */
  remaining: number
  /** Milliseconds until the quota is whole again if nothing else is consumed (0: it is whole). */
  resetInMs: number
  /** Milliseconds until a request of this cost can succeed (0 when allowed). */
  retryAfterMs: number
  /** Denied because of a `blockFor` penalty (set now or earlier). */
  blocked: boolean
}

/** What the caller passes to a rate-limit script, before it becomes ARGV. */
export interface RateLimitArgs {
  /** The clock; omitted in production, where the script reads the server's `TIME`. */
  nowMs?: number
  cost: number
  /** Answer without counting the request or starting a block. */
  peek: boolean
  limit: number
  /** The window (fixed, sliding, log) or the refill interval (token bucket). */
  windowMs: number
  /** Penalty block after a denied request; 0 for none. */
  blockForMs: number
  /** Token bucket only: tokens added per interval. */
  refillRate?: number
}

/** Encodes {@link RateLimitArgs} as the scripts' ARGV. */
export function rateLimitArgv(args: RateLimitArgs): string[] {
  const argv = [
    args.nowMs === undefined ? '' : String(args.nowMs),
    String(args.cost),
    args.peek ? '1' : '0',
    String(args.limit),
    String(args.windowMs),
    String(args.blockForMs),
  ]
  if (args.refillRate !== undefined) argv.push(String(args.refillRate))
  return argv
}

/** Turns the raw five-integer reply into a {@link RateLimitReply}. */
export function parseRateLimitReply(reply: ScriptReply): RateLimitReply {
  if (!Array.isArray(reply) || reply.length !== 5 || !reply.every((item) => typeof item === 'number')) {
    throw new ValidationError(`rate-limit script: unexpected reply ${JSON.stringify(reply)}`)
  }
  const [allowed, remaining, resetInMs, retryAfterMs, blocked] = reply as number[]
  return {
    allowed: allowed === 1,
    remaining: remaining as number,
    resetInMs: resetInMs as number,
    retryAfterMs: retryAfterMs as number,
    blocked: blocked === 1,
  }
}

/** The twin's view of ARGV, decoded as the Lua prelude decodes it. */
export interface DecodedArgs {
  now: number
  cost: number
  peek: boolean
  limit: number
  window: number
  blockFor: number
  refillRate: number
}

/** The Lua prelude's argument decoding; an empty `now` reads the store's clock, as Lua reads `TIME`. */
export function decodeArgs(ctx: ScriptContext, args: readonly string[]): DecodedArgs {
  return {
    now: luaToNumber(args[0] ?? null) ?? ctx.nowMs(),
    cost: Number(args[1]),
    peek: args[2] === '1',
    limit: Number(args[3]),
    window: Number(args[4]),
    blockFor: Number(args[5]),
    refillRate: Number(args[6]),
  }
}

/**
 * The Lua prelude's block check: the denial while a penalty block runs, else undefined.
 * A policy without `blockFor` never reads the block key (one command less per check), so
 * removing `blockFor` from a policy also lifts the blocks it started.
 */
export function activeBlock(ctx: ScriptContext, blockKey: string, a: DecodedArgs): ScriptReply | undefined {
  if (a.blockFor <= 0) return undefined
  const blockedUntil = luaToNumber(ctx.get(blockKey))
  if (blockedUntil === undefined || blockedUntil <= a.now) return undefined
  return [0, 0, blockedUntil - a.now, blockedUntil - a.now, 1]
}

/** The Lua `deny` function: the denial, starting the penalty block when one is configured. */
export function deny(
  ctx: ScriptContext,
  blockKey: string,
  a: DecodedArgs,
  remaining: number,
  resetIn: number,
  retryIn: number,
): ScriptReply {
  if (a.peek || a.blockFor === 0) return [0, remaining, resetIn, retryIn, 0]
  ctx.set(blockKey, String(a.now + a.blockFor), { ttlMs: a.blockFor })
  return [0, 0, Math.max(resetIn, a.blockFor), Math.max(retryIn, a.blockFor), 1]
}

/** Lua's `tonumber` on what Redis hands a script: nil (false) and unparsable text give nil. */
export function luaToNumber(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined
  const value = Number(text)
  return Number.isNaN(value) ? undefined : value
}
