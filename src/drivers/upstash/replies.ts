/**
 * Checks and converts what the Upstash client returns (with automatic deserialization
 * off: raw JSON results, strings already base64-decoded) into the Driver contract's types.
 * A reply of an unexpected shape is a {@link DriverError}, never a silent wrong value.
 */
import { DriverError } from '../../core/errors/index.js'
import type { ScoredMember, ScriptReply } from '../../core/script.js'

const DRIVER = 'upstash'

/** A bulk string or nil. */
export function asNullableString(reply: unknown, command: string): string | null {
  if (reply === null || typeof reply === 'string') return reply
  throw unexpected(reply, command)
}

/** An integer reply. */
export function asInteger(reply: unknown, command: string): number {
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply
  throw unexpected(reply, command)
}

/** An integer reply or nil (ZRANK of a missing member). */
export function asNullableInteger(reply: unknown, command: string): number | null {
  return reply === null ? null : asInteger(reply, command)
}

/** A `0`/`1` integer reply. */
export function asFlag(reply: unknown, command: string): boolean {
  return asInteger(reply, command) === 1
}

/** An array of bulk strings or nils (MGET, HMGET). */
export function asNullableStrings(reply: unknown, command: string): (string | null)[] {
  if (!Array.isArray(reply)) throw unexpected(reply, command)
  return reply.map((item) => asNullableString(item, command))
}

/** An array of bulk strings (SMEMBERS, ZRANGE, SCAN keys). */
export function asStrings(reply: unknown, command: string): string[] {
  if (!Array.isArray(reply) || !reply.every((item) => typeof item === 'string')) throw unexpected(reply, command)
  return reply as string[]
}

/** A flat `[field, value, ...]` array (HGETALL) as an object. */
export function asFieldMap(reply: unknown, command: string): Record<string, string> {
  const flat = asStrings(reply, command)
  if (flat.length % 2 !== 0) throw unexpected(reply, command)
  const pairs: [string, string][] = []
  for (let index = 0; index < flat.length; index += 2) pairs.push([flat[index] as string, flat[index + 1] as string])
  // fromEntries defines own properties: a field named "__proto__" stays a field.
  return Object.fromEntries(pairs)
}

/** A score as Redis prints it (`"1.5"`, `"inf"`, `"-inf"`), or nil. */
export function asNullableScore(reply: unknown, command: string): number | null {
  if (reply === null) return null
  return asScore(reply, command)
}

/** A score as Redis prints it. */
export function asScore(reply: unknown, command: string): number {
  if (typeof reply === 'number') return reply
  if (typeof reply !== 'string') throw unexpected(reply, command)
  const lower = reply.toLowerCase()
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY
  if (lower === '-inf') return Number.NEGATIVE_INFINITY
  const score = Number(reply)
  if (reply.trim() === '' || Number.isNaN(score)) throw unexpected(reply, command)
  return score === 0 ? 0 : score
}

/** A flat `[member, score, ...]` array (ZRANGE ... WITHSCORES). */
export function asScoredMembers(reply: unknown, command: string): ScoredMember[] {
  if (!Array.isArray(reply) || reply.length % 2 !== 0) throw unexpected(reply, command)
  const entries: ScoredMember[] = []
  for (let index = 0; index < reply.length; index += 2) {
    const member = reply[index]
    if (typeof member !== 'string') throw unexpected(reply, command)
    entries.push({ member, score: asScore(reply[index + 1], command) })
  }
  return entries
}

/** A SCAN reply: `[cursor, keys]`. The cursor is a string, though a server may send a number. */
export function asScanPage(reply: unknown, command: string): { cursor: string; keys: string[] } {
  if (!Array.isArray(reply) || reply.length !== 2) throw unexpected(reply, command)
  const [cursor, keys] = reply as [unknown, unknown]
  if (typeof cursor !== 'string' && typeof cursor !== 'number') throw unexpected(reply, command)
  return { cursor: String(cursor), keys: asStrings(keys, command) }
}

/** A script reply: integers, strings, nils and nested arrays, as Redis converts Lua values. */
export function asScriptReply(reply: unknown, command: string): ScriptReply {
  if (reply === null || typeof reply === 'string') return reply
  if (typeof reply === 'number' && Number.isInteger(reply)) return reply
  if (Array.isArray(reply)) return reply.map((item) => asScriptReply(item, command))
  throw unexpected(reply, command)
}

function unexpected(reply: unknown, command: string): DriverError {
  const shape = reply === null ? 'null' : Array.isArray(reply) ? 'an array' : typeof reply
  return new DriverError(`${DRIVER}: ${command} returned an unexpected reply (${shape}); is automatic deserialization off?`, {
    driver: DRIVER,
  })
}
