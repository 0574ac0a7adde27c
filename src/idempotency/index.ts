export {
  Idempotency,
  type IdempotencyContext,
  type IdempotencyKey,
  type IdempotentContext,
  type IdempotentOperation,
  type IdempotentResult,
} from './idempotency.js'
export {
  IDEMPOTENCY_DEFAULTS,
  resolveIdempotencyOptions,
  type IdempotencyOptions,
  type ResolvedIdempotencyOptions,
  type RunOptions,
} from './options.js'
