/** Binds a value `Codec` to the versioned envelope (src/codec/envelope.ts) the cache stores. */
import type { Codec } from '../codec/codec.js'
import { decodeEnvelope, encodeEnvelope } from '../codec/envelope.js'
import type { EntryCodec } from './cache-service.js'

export function createEntryCodec(codec: Codec): EntryCodec {
  return {
    encode: (entry) => encodeEnvelope(codec, entry),
    decode: (text) => {
      const decoded = decodeEnvelope(codec, text)
      return decoded.ok ? decoded.envelope : undefined
    },
  }
}
