/**
 * What the session scripts share: the Lua fragments they are composed from, and beside
 * each its JavaScript half for the twins.
 *
 * Every session script takes KEYS = [expiries, records], both under the user's hash tag:
 * `expiries` is a sorted set (handle -> expiry, epoch ms on the server's clock) and
 * `records` a hash (handle -> encoded data, handle..':m' -> metadata
 * `createdAt|absoluteExpiresAt|idleMs|lastSeenAt|userId`). ARGV[1] is `now`: empty in
 * production, so the script reads the server's clock (`TIME`) and application hosts'
 * clock skew cannot shorten or stretch a session; tests pass an explicit value to compare
 * the Lua half with its twin deterministically. A session is live while its expiry is
 * after `now`.
 */
import type { ScriptContext } from '../core/script.js'
import { EXPIRE_WITH_HIGHEST_SCORE } from './fragments.js'

/**
 * Drops the session ARGV[2]'s entries, and deletes both keys once the user has none left.
 * Twin: {@link dropSession}.
 */
export const SESSION_DROP = `redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2], ARGV[2] .. ':m')
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2]) end`

/**
 * Both keys live as long as the user's longest-lived session (expects `now`, declares
 * `last`). Twin: {@link expireWithLongest}.
 */
export const SESSION_EXPIRE_WITH_LONGEST = `${EXPIRE_WITH_HIGHEST_SCORE}
redis.call('PEXPIRE', KEYS[2], tonumber(last[2]) - now)`

/** A Lua pattern literal capturing the user id of a metadata string. Twin: {@link splitMeta}. */
export const SESSION_OWNER_PATTERN = `'^%d+|%d+|%d+|%d+|(.*)$'`

/** `now` as the Lua prelude computes it. */
export function scriptNow(ctx: ScriptContext, nowArg: string | undefined): number {
  return nowArg === undefined || nowArg === '' ? ctx.nowMs() : Number(nowArg)
}

/** Removes every session whose expiry is at or before `now` (`ZRANGEBYSCORE -inf now`, then `HDEL`). */
export function pruneExpired(ctx: ScriptContext, expiries: string, records: string, now: number): void {
  for (const { member, score } of ctx.zrangeWithScores(expiries, 0, -1)) {
    if (score > now) break
    ctx.hdel(records, [member, `${member}:m`])
  }
  ctx.zremRangeByScore(expiries, Number.NEGATIVE_INFINITY, now)
}

/** Both keys live as long as the user's longest-lived session. */
export function expireWithLongest(ctx: ScriptContext, expiries: string, records: string, now: number): void {
  const [last] = ctx.zrangeWithScores(expiries, -1, -1)
  if (last === undefined) return
  ctx.pexpire(expiries, last.score - now)
  ctx.pexpire(records, last.score - now)
}

/** Drops one session's entries; deletes both keys once the user has none left. */
export function dropSession(ctx: ScriptContext, expiries: string, records: string, handle: string): void {
  ctx.zrem(expiries, [handle])
  ctx.hdel(records, [handle, `${handle}:m`])
  if (ctx.zcard(expiries) === 0) ctx.del([expiries, records])
}

/** A metadata string's fields, as text (Lua's `string.match(meta, '^(%d+)|(%d+)|(%d+)|(%d+)|(.*)$')`). */
export interface MetaFields {
  createdAt: string
  absoluteAt: string
  idle: string
  lastSeen: string
  userId: string
}

/** Splits a metadata string; `null` when it is malformed. */
export function splitMeta(meta: string): MetaFields | null {
  const match = /^(\d+)\|(\d+)\|(\d+)\|(\d+)\|([\s\S]*)$/.exec(meta)
  if (match === null) return null
  const [, createdAt, absoluteAt, idle, lastSeen, userId] = match as unknown as [string, string, string, string, string, string]
  return { createdAt, absoluteAt, idle, lastSeen, userId }
}
