/** Every scenario, in report order (the numbering: 1-4 cache reads, 5-6 invalidation, 7 rate limits and locks, 8 sizes). */
import type { Scenario } from '../harness/scenario.js'
import { entrySize } from './entry-size.js'
import { l1Hit } from './l1-hit.js'
import { locks } from './locks.js'
import { missStorm } from './miss-storm/index.js'
import { patternInvalidation } from './pattern-invalidation.js'
import { rateLimit } from './rate-limit.js'
import { redisHit } from './redis-hit.js'
import { tagInvalidation } from './tag-invalidation.js'
import { tieredHit } from './tiered-hit.js'

export const scenarios: Scenario[] = [
  l1Hit,
  redisHit,
  tieredHit,
  missStorm,
  tagInvalidation,
  patternInvalidation,
  rateLimit,
  locks,
  entrySize,
]
