export type { Codec } from './codec.js'
export { jsonCodec } from './json-codec.js'
export { createSuperjsonCodec, superjsonCodec } from './superjson-codec.js'
export { assertSerializable, type SerializableProfile } from './assert-serializable.js'
export {
  decodeEnvelope,
  encodeEnvelope,
  envelopeState,
  type DecodeEnvelopeResult,
  type Envelope,
  type EnvelopeState,
  type InvalidEnvelopeReason,
} from './envelope.js'
