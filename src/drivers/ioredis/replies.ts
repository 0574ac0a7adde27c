/**
 * Reply normalisation. ioredis hands back different shapes for the same reply depending
 * on the protocol (RESP2 or RESP3), `replyMapping` ('legacy' or 'resp3') and version:
 * HGETALL as an object, Map or flat array; WITHSCORES as flat `[member, score, ...]` or
 * `[[member, score], ...]`; scores as strings (`'1.5'`, `'inf'`) or numbers; Lua booleans
 * as 1/null or true/false. Each function here accepts all of them and returns exactly
 * what the Driver contract promises.
 */
import type { ScoredMember, ScriptReply } from '../../core/script.js'

/** A bulk string or nil. */
export function toNullableString(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null
  return toText(reply)
}

/** An array of bulk strings or nils (MGET, HMGET). */
export function toNullableStrings(reply: unknown): (string | null)[] {
  return toList(reply).map(toNullableString)
}

/** An array or set of strings (SMEMBERS). */
export function toStrings(reply: unknown): string[] {
  return toList(reply).map(toText)
}

/** An integer reply (a string or bigint only from clients configured unusually). */
export function toInteger(reply: unknown): number {
  if (typeof reply === 'number') return reply
  if (typeof reply === 'bigint') return Number(reply)
  if (typeof reply === 'string' && /^-?\d+$/.test(reply)) return Number(reply)
  throw unexpected('an integer', reply)
}

/** An integer or nil (ZRANK). */
export function toNullableInteger(reply: unknown): number | null {
  return reply === null || reply === undefined ? null : toInteger(reply)
}

/** A 1/0 integer reply, or a RESP3 boolean. */
export function toBoolean(reply: unknown): boolean {
  if (typeof reply === 'boolean') return reply
  return toInteger(reply) === 1
}

/** A score: a double reply, or its RESP2 text (`'1.5'`, `'inf'`, `'-inf'`). */
export function toScore(reply: unknown): number {
  if (typeof reply === 'number') return reply === 0 ? 0 : reply
  const text = toText(reply).toLowerCase()
  const score = text === 'inf' || text === '+inf' ? Number.POSITIVE_INFINITY : text === '-inf' ? Number.NEGATIVE_INFINITY : Number(text)
  if (Number.isNaN(score)) throw unexpected('a score', reply)
  // Redis can store -0; the contract (and the memory driver) report 0.
  return score === 0 ? 0 : score
}

/** A score or nil (ZSCORE). */
export function toNullableScore(reply: unknown): number | null {
  return reply === null || reply === undefined ? null : toScore(reply)
}

/** ZRANGE ... WITHSCORES in either shape. */
export function toScoredMembers(reply: unknown): ScoredMember[] {
  const items = toList(reply)
  const result: ScoredMember[] = []
  if (items.length > 0 && Array.isArray(items[0])) {
    for (const pair of items) {
      const [member, score] = toList(pair)
      result.push({ member: toText(member), score: toScore(score) })
    }
    return result
  }
  if (items.length % 2 !== 0) throw unexpected('member/score pairs', reply)
  for (let i = 0; i < items.length; i += 2) result.push({ member: toText(items[i]), score: toScore(items[i + 1]) })
  return result
}

/** HGETALL: an object, a Map, or a flat `[field, value, ...]` array, into a plain object. */
export function toHash(reply: unknown): Record<string, string> {
  if (reply === null || reply === undefined) return {}
  let entries: Array<[string, string]>
  if (reply instanceof Map) {
    entries = [...reply].map(([field, value]) => [toText(field), toText(value)])
  } else if (Array.isArray(reply)) {
    if (reply.length % 2 !== 0) throw unexpected('field/value pairs', reply)
    entries = []
    for (let i = 0; i < reply.length; i += 2) entries.push([toText(reply[i]), toText(reply[i + 1])])
  } else if (typeof reply === 'object') {
    entries = Object.entries(reply).map(([field, value]) => [field, toText(value)])
  } else {
    throw unexpected('a hash', reply)
  }
  // fromEntries defines own properties, so a field named "__proto__" stays a field.
  return Object.fromEntries(entries)
}

/** SCAN: `[cursor, keys]`. */
export function toScanPage(reply: unknown): { cursor: string; keys: string[] } {
  const [cursor, keys] = toList(reply)
  return { cursor: toText(cursor), keys: toStrings(keys) }
}

/**
 * A script reply as Redis's RESP2 conversion defines it: Lua true is 1, false is nil,
 * numbers are integers, tables are arrays. RESP3 connections return booleans, maps and
 * doubles instead; they are folded back here so every client sees the same values.
 */
export function toScriptReply(reply: unknown): ScriptReply {
  if (reply === null || reply === undefined) return null
  if (typeof reply === 'string' || typeof reply === 'number') return reply
  if (typeof reply === 'bigint') return Number(reply)
  if (typeof reply === 'boolean') return reply ? 1 : null
  if (reply instanceof Error) throw reply
  if (Array.isArray(reply) || reply instanceof Set) return [...reply].map(toScriptReply)
  if (reply instanceof Map) return [...reply].flatMap(([key, value]) => [toScriptReply(key), toScriptReply(value)])
  if (reply instanceof String || reply instanceof Uint8Array) return toText(reply)
  if (typeof reply === 'object') return Object.entries(reply).flatMap(([key, value]) => [key, toScriptReply(value)])
  throw unexpected('a script reply', reply)
}

/** Text: a string, a RESP3 verbatim string (a String object), or bytes. */
export function toText(reply: unknown): string {
  if (typeof reply === 'string') return reply
  if (reply instanceof String) return reply.valueOf()
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply)
  if (typeof reply === 'number' || typeof reply === 'bigint') return String(reply)
  throw unexpected('a string', reply)
}

function toList(reply: unknown): unknown[] {
  if (Array.isArray(reply)) return reply
  if (reply instanceof Set) return [...reply]
  if (reply === null || reply === undefined) return []
  throw unexpected('an array', reply)
}

function unexpected(what: string, reply: unknown): Error {
  const shape = reply === null ? 'null' : Array.isArray(reply) ? 'an array' : typeof reply
  return new Error(`unexpected reply: expected ${what}, got ${shape}`)
}
