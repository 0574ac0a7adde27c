/**
 * How cached values become strings and back.
 *
 * A codec must be faithful or loud: `decode(encode(v))` equals `v` (same types, same
 * contents), or `encode` throws `ValidationError` before anything is written. Silent
 * mangling (a Date read back as a string, a Map as `{}`) is a bug.
 */
export interface Codec {
  /**
   * A short name stored in every envelope (1-16 characters of `A-Za-z0-9_.-`), so an entry
   * written with another codec reads as a miss instead of as garbage. Keep it stable.
   */
  readonly id: string
  /** Serializes a value. @throws {ValidationError} when the value cannot round-trip faithfully. */
  encode(value: unknown): string
  /** Parses what `encode` produced. May throw on foreign or corrupt text; callers treat that as a miss. */
  decode(text: string): unknown
}
