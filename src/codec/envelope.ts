/**
 * The envelope: what the cache stores per entry. The value plus the times that make
 * stale-while-revalidate and grace work without extra round trips, and the entry's tags
 * for tag checks.
 *
 * Format, version 1 (one string, header fields in base 36):
 *
 *     ck1|<codec id>|<createdAt>|<ttlMs>|<graceMs>|<tags length>|<tags JSON><payload>
 *
 * `ck1` names the format and its version: a future version is reported as such, never
 * misread. Times are whole milliseconds; `ttlMs` and `graceMs` are offsets from
 * `createdAt`, which keeps the header near 30 bytes. Tags are a JSON array of strings
 * (absent when there are none, length 0), measured so tags may contain any character.
 * The payload is the codec's text, to the end of the string.
 */
import { ValidationError } from '../core/errors/index.js'
import type { Codec } from './codec.js'

/** One cache entry. Times are milliseconds since the epoch. */
export interface Envelope<Value = unknown> {
  readonly value: Value
  /** When the value was written. Tag invalidations after this time make it invalid. */
  readonly createdAt: number
  /** Logical expiry: the entry is fresh before this time. */
  readonly expiresAt: number
  /** End of grace: between `expiresAt` and this time the entry is stale but servable. The physical TTL ends here too. */
  readonly staleUntil: number
  /** The entry's tags, for tag-based invalidation checks. */
  readonly tags: readonly string[]
}

/** Why a stored string is not a usable envelope. */
export type InvalidEnvelopeReason =
  /** Not written by cachekit (or by a version before envelopes). */
  | 'foreign'
  /** Written by another envelope format version, e.g. a newer cachekit. */
  | 'version'
  /** Written with another codec (its id differs). */
  | 'codec'
  /** Damaged: a malformed header, tags or payload. */
  | 'corrupt'

/** What {@link decodeEnvelope} returns: the entry, or why there is none. Never throws. */
export type DecodeEnvelopeResult<Value = unknown> =
  | { readonly ok: true; readonly envelope: Envelope<Value> }
  | { readonly ok: false; readonly reason: InvalidEnvelopeReason; readonly message: string }

/** Where an entry stands at a given time. */
export type EnvelopeState = 'fresh' | 'stale' | 'expired'

const MAGIC = 'ck'
const VERSION = '1'
const HEADER_START = `${MAGIC}${VERSION}|`
const SEPARATOR = 124 // '|'
const CODEC_ID = /^[A-Za-z0-9_.-]{1,16}$/
// 36^11 > 2^53: eleven base-36 digits cover every safe integer.
const MAX_DIGITS = 11

/**
 * Serializes an entry. The value is encoded first, so an unserializable value throws
 * before any string exists: nothing is half-written.
 *
 * @throws {ValidationError} when the codec refuses the value, the codec id is invalid,
 * times are not whole non-negative milliseconds in order (createdAt <= expiresAt <=
 * staleUntil), or tags are not strings.
 */
export function encodeEnvelope(codec: Codec, envelope: Envelope): string {
  if (typeof codec?.id !== 'string' || !CODEC_ID.test(codec.id)) {
    throw new ValidationError(`codec id must be 1-16 characters of A-Za-z0-9_.-, got ${JSON.stringify(codec?.id)}`)
  }
  const { value, createdAt, expiresAt, staleUntil, tags } = envelope
  checkTime(createdAt, 'createdAt')
  checkTime(expiresAt, 'expiresAt')
  checkTime(staleUntil, 'staleUntil')
  if (expiresAt < createdAt || staleUntil < expiresAt) {
    throw new ValidationError(
      `envelope times must satisfy createdAt <= expiresAt <= staleUntil, got ${createdAt}, ${expiresAt}, ${staleUntil}`,
    )
  }
  const tagText = encodeTags(tags)
  const payload = encodePayload(codec, value)
  return `${HEADER_START}${codec.id}|${createdAt.toString(36)}|${(expiresAt - createdAt).toString(36)}|${(staleUntil - expiresAt).toString(36)}|${tagText.length.toString(36)}|${tagText}${payload}`
}

/**
 * Parses an entry written by {@link encodeEnvelope} with the same codec. Never throws:
 * foreign, future-version, other-codec and damaged strings come back as
 * `{ ok: false, reason, message }`, which callers treat as a miss.
 */
export function decodeEnvelope<Value = unknown>(codec: Codec, text: string): DecodeEnvelopeResult<Value> {
  if (typeof text !== 'string' || !text.startsWith(HEADER_START)) return notStartingWithHeader(text)
  const id = codec.id
  let at = HEADER_START.length
  if (!text.startsWith(id, at) || text.charCodeAt(at + id.length) !== SEPARATOR) {
    return invalid('codec', `entry was written with another codec than ${JSON.stringify(id)}`)
  }
  at += id.length + 1
  const fields: number[] = []
  for (let i = 0; i < 4; i++) {
    const end = text.indexOf('|', at)
    const field = end === -1 ? -1 : parseBase36(text, at, end)
    if (field === -1) return invalid('corrupt', 'malformed envelope header')
    fields.push(field)
    at = end + 1
  }
  const [createdAt, ttlMs, graceMs, tagLength] = fields as [number, number, number, number]
  const expiresAt = createdAt + ttlMs
  const staleUntil = expiresAt + graceMs
  if (!Number.isSafeInteger(staleUntil) || at + tagLength > text.length) return invalid('corrupt', 'malformed envelope header')
  const tags = tagLength === 0 ? NO_TAGS : decodeTags(text.slice(at, at + tagLength))
  if (tags === null) return invalid('corrupt', 'malformed envelope tags')
  let value: unknown
  try {
    value = codec.decode(text.slice(at + tagLength))
  } catch (error) {
    return invalid('corrupt', `payload does not decode: ${error instanceof Error ? error.message : String(error)}`)
  }
  return { ok: true, envelope: { value: value as Value, createdAt, expiresAt, staleUntil, tags } }
}

/** Fresh before `expiresAt`, stale until `staleUntil`, expired from then on. */
export function envelopeState(envelope: Envelope, nowMs: number): EnvelopeState {
  if (nowMs < envelope.expiresAt) return 'fresh'
  return nowMs < envelope.staleUntil ? 'stale' : 'expired'
}

const NO_TAGS: readonly string[] = Object.freeze([])

function checkTime(time: unknown, name: string): void {
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    throw new ValidationError(`envelope ${name} must be whole non-negative milliseconds, got ${String(time)}`)
  }
}

function encodeTags(tags: unknown): string {
  if (tags === undefined) return ''
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))
    throw new ValidationError('envelope tags must be an array of strings')
  return tags.length === 0 ? '' : JSON.stringify(tags)
}

function encodePayload(codec: Codec, value: unknown): string {
  let payload: unknown
  try {
    payload = codec.encode(value)
  } catch (error) {
    if (error instanceof ValidationError) throw error
    throw new ValidationError(`codec ${codec.id} cannot serialize the value: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }
  if (typeof payload !== 'string') throw new ValidationError(`codec ${codec.id} returned ${typeof payload} instead of a string`)
  return payload
}

function decodeTags(text: string): readonly string[] | null {
  try {
    const tags: unknown = JSON.parse(text)
    return Array.isArray(tags) && tags.length > 0 && tags.every((tag) => typeof tag === 'string') ? tags : null
  } catch {
    return null
  }
}

/** A base-36 natural number in `text[start, end)`, or -1 when the field is empty, too long or not base 36. */
function parseBase36(text: string, start: number, end: number): number {
  if (end <= start || end - start > MAX_DIGITS) return -1
  let value = 0
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i)
    const digit = code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 122 ? code - 87 : -1
    if (digit === -1) return -1
    value = value * 36 + digit
  }
  // Reject non-canonical forms (leading zeros) so one entry has one encoding.
  return Number.isSafeInteger(value) && (text.charCodeAt(start) !== 48 || end - start === 1) ? value : -1
}

function notStartingWithHeader(text: unknown): DecodeEnvelopeResult<never> {
  if (typeof text !== 'string') return invalid('foreign', `expected a string, got ${text === null ? 'null' : typeof text}`)
  const version = /^ck(\d+)\|/.exec(text)
  if (version !== null) return invalid('version', `entry has envelope format version ${version[1]}; this cachekit reads version ${VERSION}`)
  return invalid('foreign', 'not a cachekit envelope')
}

function invalid(reason: InvalidEnvelopeReason, message: string): DecodeEnvelopeResult<never> {
  return { ok: false, reason, message }
}
