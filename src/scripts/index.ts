import { compareAndDelete } from './compare-and-delete.js'
import { compareAndExpire } from './compare-and-expire.js'
import { incrWithTtl } from './incr-with-ttl.js'

export { compareAndDelete, compareAndExpire, incrWithTtl }

/** Every script cachekit ships; the SHA and parity tests iterate over this list. */
export const scripts = [compareAndDelete, compareAndExpire, incrWithTtl] as const
