import { compareAndDelete } from './compare-and-delete.js'
import { compareAndExpire } from './compare-and-expire.js'
import { incrWithTtl } from './incr-with-ttl.js'
import { compareAndSet } from './compare-and-set.js'
import { invalidateTag } from './invalidate-tag.js'
import { replaceCollections } from './replace-collections.js'
import { swapCollection } from './swap-collection.js'

export { compareAndDelete, compareAndExpire, incrWithTtl }
export { compareAndSet, invalidateTag, replaceCollections, swapCollection }

/** Every script cachekit ships; the SHA and parity tests iterate over this list. */
export const scripts = [compareAndDelete, compareAndExpire, incrWithTtl, compareAndSet, invalidateTag, replaceCollections, swapCollection] as const
