/**
 * What a key holds, as the read path sees it: stored text decoded into an entry, checked
 * against its schema and its tags' invalidation stamps, and judged fresh, stale or not to
 * be served. One rule decides whether an entry already in hand may be served without
 * asking anyone: {@link EntryReader.isServable}.
 */
import { judgeEntry, TAG_DEFAULTS, type TagStamps } from '../invalidation/tag-stamps.js'
import type { StandardSchemaResult } from '../keys/standard-schema.js'
import type { EntryCodec } from './config.js'
import type { Tier } from './events.js'
import type { CacheReporter } from './reporter.js'
import type { Resolved } from './resolve-key.js'
import type { StoredEntry } from './types.js'

/** What a key holds. */
export type Lookup =
  | { kind: 'fresh' | 'stale'; entry: StoredEntry; tier: Tier }
  | { kind: 'miss' | 'lease' }
  /**
   * The key holds something that must not be served: an entry a tag invalidation reached,
   * one that fails to decode or validate, or one past its grace that the server still
   * holds (clock skew between hosts). `text` is what the key holds, to claim it exactly.
   */
  | { kind: 'invalidated' | 'invalid' | 'expired'; text: string }
  /** The schema validates asynchronously: the lookup once it has. */
  | { kind: 'validating'; settled: Promise<Lookup> }

/** Marks a key's lease (written into the key itself while its loader runs). */
export const LEASE_PREFIX = '\u0000cachekit-lease:'
export const MISS: Lookup = Object.freeze({ kind: 'miss' })
const LEASE: Lookup = Object.freeze({ kind: 'lease' })

export class EntryReader {
  constructor(
    private readonly codec: EntryCodec,
    private readonly tags: TagStamps,
    private readonly reporter: CacheReporter,
    /** True while the delete of a full key waits in the outbox. */
    private readonly pendingDelete: (full: string) => boolean,
  ) {}

  /**
   * True when an entry in hand (an L1 copy, or one just read) may be served as fresh with
   * no further question: before its TTL, and every tag stamp known to this process says it
   * was not invalidated. Allocation-free: it runs on every L1 hit.
   */
  isServable(entry: StoredEntry, now: number): boolean {
    return entry.expiresAt > now && (entry.tags.length === 0 || this.tags.localVerdict(entry, now) === 'valid')
  }

  /** True when a stamp this process knows says the entry was invalidated (a copy worth dropping). */
  knownInvalid(entry: StoredEntry, now: number): boolean {
    return this.tags.localVerdict(entry, now) === 'invalid'
  }

  /**
   * Decodes and validates stored text. Synchronous unless the schema validates
   * asynchronously (`kind: 'validating'`). Tags are not checked here: see {@link complete}.
   */
  interpret(resolved: Resolved, text: string | null, now: number): Lookup {
    if (text === null) return MISS
    if (text.startsWith(LEASE_PREFIX)) return LEASE
    // Deleted by this process while the driver was away, and the delete not sent yet: claim and reload it.
    if (this.pendingDelete(resolved.full)) return { kind: 'invalidated', text }
    const decoded = this.codec.decode(text)
    if (decoded === undefined) {
      this.reporter.invalid(resolved, 'corrupt')
      return { kind: 'invalid', text }
    }
    if (decoded.staleUntil <= now) return { kind: 'expired', text }
    // Created later than any sane clock says: written by hand, and immune to every tag
    // invalidation until that time. Not served.
    if (decoded.createdAt > now + TAG_DEFAULTS.maxClockSkewMs) {
      this.reporter.invalid(resolved, 'corrupt')
      return { kind: 'invalid', text }
    }
    if (resolved.schema === undefined) return { kind: decoded.expiresAt > now ? 'fresh' : 'stale', entry: decoded, tier: 'remote' }
    // A stored value comes from a shared server: a validator that throws on it (a value
    // nested deeply enough to overflow the stack, say) makes the entry invalid, never the key unusable.
    let result: StandardSchemaResult<unknown> | Promise<StandardSchemaResult<unknown>>
    try {
      result = resolved.schema['~standard'].validate(decoded.value)
    } catch (error) {
      return this.schemaThrew(resolved, text, error)
    }
    if (!(result instanceof Promise)) return this.validated(resolved, text, decoded, result, now)
    return {
      kind: 'validating',
      settled: result.then(
        (settled) => this.validated(resolved, text, decoded, settled, now),
        (error: unknown) => this.schemaThrew(resolved, text, error),
      ),
    }
  }

  /**
   * The whole answer for stored text: decoded, validated, and checked against its tags'
   * stamps, fetching the ones this process does not trust (one GET per such tag,
   * concurrently). A stamp that cannot be read rejects like the read itself.
   */
  async complete(resolved: Resolved, text: string | null, interpreted?: Lookup): Promise<Lookup> {
    const lookup = interpreted ?? this.interpret(resolved, text, Date.now())
    const validated = lookup.kind === 'validating' ? await lookup.settled : lookup
    if ((validated.kind !== 'fresh' && validated.kind !== 'stale') || validated.entry.tags.length === 0 || text === null) return validated
    const now = Date.now()
    const verdict = judgeEntry(validated.entry, await this.tags.stampsFor(validated.entry.tags, validated.entry.createdAt, now), now)
    if (verdict === 'valid') return validated
    if (verdict === 'stale') return { kind: 'stale', entry: validated.entry, tier: validated.tier }
    return { kind: 'invalidated', text }
  }

  private schemaThrew(resolved: Resolved, text: string, error: unknown): Lookup {
    this.reporter.invalid(resolved, 'schema', [
      { message: `the schema threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` },
    ])
    return { kind: 'invalid', text }
  }

  private validated(resolved: Resolved, text: string, decoded: StoredEntry, result: StandardSchemaResult<unknown>, now: number): Lookup {
    if (result.issues) {
      this.reporter.invalid(resolved, 'schema', result.issues)
      return { kind: 'invalid', text }
    }
    const entry = { ...decoded, value: result.value }
    return { kind: entry.expiresAt > now ? 'fresh' : 'stale', entry, tier: 'remote' }
  }
}
