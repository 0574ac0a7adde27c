/** Adapts a value `Codec` to the entry format the cache service stores. */
import type { Codec } from '../codec/codec.js'
import type { EntryCodec } from './cache-service.js'
import type { StoredEntry } from './types.js'

// Interim format until the envelope module lands: `ck0|createdAt|expiresAt|staleUntil|tags|payload`.
export function createEntryCodec(codec: Codec): EntryCodec {
  const head = `ck0:${codec.id}|`
  return {
    encode(entry: StoredEntry): string {
      const payload = codec.encode(entry.value)
      return `${head}${entry.createdAt}|${entry.expiresAt}|${entry.staleUntil}|${JSON.stringify(entry.tags)}|${payload}`
    },
    decode(text: string): StoredEntry | undefined {
      if (!text.startsWith(head)) return undefined
      try {
        const parts = text.slice(head.length).split('|')
        const [createdAt, expiresAt, staleUntil] = parts.slice(0, 3).map(Number) as [number, number, number]
        let rest = parts.slice(3).join('|')
        const tagsEnd = rest.indexOf(']|')
        const tags = JSON.parse(rest.slice(0, tagsEnd + 1)) as string[]
        rest = rest.slice(tagsEnd + 2)
        return { value: codec.decode(rest), createdAt, expiresAt, staleUntil, tags }
      } catch {
        return undefined
      }
    },
  }
}
