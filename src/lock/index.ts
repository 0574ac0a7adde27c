export { Locks, type LockResource } from './locks.js'
export type { Lock } from './lock.js'
export { Semaphore } from './semaphore.js'
export {
  LOCK_DEFAULTS,
  MAX_LOCK_TTL_MS,
  MAX_SEMAPHORE_LIMIT,
  type AcquireOptions,
  type RetryOptions,
  type SemaphoreOptions,
  type WithLockOptions,
} from './options.js'
