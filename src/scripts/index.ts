import { compareAndDelete } from './compare-and-delete.js'
import { compareAndExpire } from './compare-and-expire.js'
import { counterCommit } from './counter-commit.js'
import { counterIncr } from './counter-incr.js'
import { counterRestore } from './counter-restore.js'
import { counterTake } from './counter-take.js'
import { counterTrendIncr } from './counter-trend-incr.js'
import { incrWithTtl } from './incr-with-ttl.js'
import { rateLimitFixedWindow } from './rate-limit-fixed-window.js'
import { rateLimitSlidingLog } from './rate-limit-sliding-log.js'
import { rateLimitSlidingWindow } from './rate-limit-sliding-window.js'
import { rateLimitTokenBucket } from './rate-limit-token-bucket.js'
import { lockAcquire } from './lock-acquire.js'
import { semaphoreAcquire } from './semaphore-acquire.js'
import { semaphoreExtend } from './semaphore-extend.js'
import { semaphoreRelease } from './semaphore-release.js'
import { compareAndSet } from './compare-and-set.js'
import { invalidateTag } from './invalidate-tag.js'
import { replaceCollections } from './replace-collections.js'
import { swapCollection } from './swap-collection.js'
import { sessionCreate } from './session-create.js'
import { sessionDestroy } from './session-destroy.js'
import { sessionDestroyAll } from './session-destroy-all.js'
import { sessionList } from './session-list.js'
import { sessionRead } from './session-read.js'
import { sessionUpdate } from './session-update.js'
import { idempotencyBegin } from './idempotency-begin.js'
import { idempotencyComplete } from './idempotency-complete.js'
import { idempotencyExtend } from './idempotency-extend.js'
import { idempotencyRelease } from './idempotency-release.js'
import { flagUpdate } from './flag-update.js'
import { keyProbe } from './key-probe.js'
import { slowlogGet } from './slowlog-get.js'

export { compareAndDelete, compareAndExpire, incrWithTtl }
export { rateLimitFixedWindow, rateLimitSlidingLog, rateLimitSlidingWindow, rateLimitTokenBucket }
export { lockAcquire, semaphoreAcquire, semaphoreExtend, semaphoreRelease }
export { counterCommit, counterIncr, counterRestore, counterTake, counterTrendIncr }
export { compareAndSet, invalidateTag, replaceCollections, swapCollection }
export { sessionCreate, sessionDestroy, sessionDestroyAll, sessionList, sessionRead, sessionUpdate }
export { idempotencyBegin, idempotencyComplete, idempotencyExtend, idempotencyRelease, flagUpdate }
// Monitoring probes: their twins answer for the memory driver (key-probe's bytes are an estimate, slowlog-get's log is always empty).
export { keyProbe, slowlogGet }

/** Every script cachekit ships; the SHA and parity tests iterate over this list. */
export const scripts = [
  compareAndDelete,
  compareAndExpire,
  incrWithTtl,
  rateLimitFixedWindow,
  rateLimitSlidingWindow,
  rateLimitTokenBucket,
  rateLimitSlidingLog,
  lockAcquire,
  semaphoreAcquire,
  semaphoreExtend,
  semaphoreRelease,
  counterIncr,
  counterTake,
  counterRestore,
  counterCommit,
  counterTrendIncr,
  compareAndSet,
  invalidateTag,
  replaceCollections,
  swapCollection,
  sessionCreate,
  sessionRead,
  sessionUpdate,
  sessionDestroy,
  sessionList,
  sessionDestroyAll,
  idempotencyBegin,
  idempotencyComplete,
  idempotencyExtend,
  idempotencyRelease,
  flagUpdate,
  keyProbe,
  slowlogGet,
] as const
