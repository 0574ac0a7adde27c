import { describe, expectTypeOf, it } from 'vitest'
import {
  BuildError,
  CachekitError,
  CircuitOpenError,
  CommandError,
  CrossSlotError,
  DriverClosedError,
  DriverError,
  DriverTimeoutError,
  IdempotencyConflictError,
  IdempotencyInProgressError,
  InvalidationError,
  LoaderTimeoutError,
  LockLostError,
  LockNotAcquiredError,
  RateLimitExceededError,
  ValidationError,
  type CachekitErrorCode,
} from '../../src/index.js'

type EveryError =
  | CachekitError
  | ValidationError
  | DriverError
  | DriverTimeoutError
  | DriverClosedError
  | CommandError
  | CrossSlotError
  | CircuitOpenError
  | LoaderTimeoutError
  | LockNotAcquiredError
  | LockLostError
  | RateLimitExceededError
  | BuildError
  | InvalidationError
  | IdempotencyInProgressError
  | IdempotencyConflictError

describe('error codes are literal types', () => {
  it('gives each error class its own code and name as literals', () => {
    expectTypeOf<LockNotAcquiredError['code']>().toEqualTypeOf<'LOCK_NOT_ACQUIRED'>()
    expectTypeOf<LockNotAcquiredError['name']>().toEqualTypeOf<'LockNotAcquiredError'>()
    expectTypeOf<RateLimitExceededError['code']>().toEqualTypeOf<'RATE_LIMIT_EXCEEDED'>()
    expectTypeOf<DriverTimeoutError['code']>().toEqualTypeOf<'DRIVER_TIMEOUT'>()
    expectTypeOf<DriverError['code']>().toEqualTypeOf<
      'DRIVER_ERROR' | 'DRIVER_TIMEOUT' | 'DRIVER_CLOSED' | 'COMMAND_ERROR' | 'CIRCUIT_OPEN'
    >()
  })

  it('lists in CachekitErrorCode exactly the codes the classes carry', () => {
    expectTypeOf<EveryError['code']>().toEqualTypeOf<CachekitErrorCode>()
    expectTypeOf<CachekitError['code']>().toEqualTypeOf<CachekitErrorCode>()
  })

  it('narrows in a switch over error.code, exhaustively', () => {
    const describe = (error: CachekitError): string => {
      switch (error.code) {
        case 'CACHEKIT_ERROR':
        case 'VALIDATION_ERROR':
        case 'DRIVER_ERROR':
        case 'DRIVER_TIMEOUT':
        case 'DRIVER_CLOSED':
        case 'COMMAND_ERROR':
        case 'CROSS_SLOT':
        case 'CIRCUIT_OPEN':
        case 'LOADER_TIMEOUT':
        case 'LOCK_LOST':
        case 'BUILD_FAILED':
        case 'INVALIDATION_FAILED':
        case 'IDEMPOTENCY_IN_PROGRESS':
        case 'IDEMPOTENCY_CONFLICT':
          return error.code
        case 'LOCK_NOT_ACQUIRED':
          expectTypeOf(error.code).toEqualTypeOf<'LOCK_NOT_ACQUIRED'>()
          return 'locked'
        case 'RATE_LIMIT_EXCEEDED':
          return 'slow down'
        default: {
          const unreachable: never = error.code
          return unreachable
        }
      }
    }
    expectTypeOf(describe).returns.toEqualTypeOf<string>()
  })

  it('narrows a union of errors by its code to the class', () => {
    const handle = (error: LockNotAcquiredError | RateLimitExceededError | ValidationError): number | undefined => {
      if (error.code === 'LOCK_NOT_ACQUIRED') {
        expectTypeOf(error).toEqualTypeOf<LockNotAcquiredError>()
        return error.retryAfterMs
      }
      if (error.code === 'RATE_LIMIT_EXCEEDED') {
        expectTypeOf(error).toEqualTypeOf<RateLimitExceededError>()
        return error.retryAfterMs
      }
      expectTypeOf(error).toEqualTypeOf<ValidationError>()
      return undefined
    }
    expectTypeOf(handle).returns.toEqualTypeOf<number | undefined>()
  })

  it('refuses a code that no error carries', () => {
    // @ts-expect-error 'LOCK_NOT_AQUIRED' is misspelt: not a CachekitErrorCode
    CachekitError.is(new Error('x'), 'LOCK_NOT_AQUIRED')
    // @ts-expect-error a ValidationError's code is never 'DRIVER_ERROR'
    void ((error: ValidationError) => error.code === 'DRIVER_ERROR')
  })
})
