export { Counters } from './counters.js'
export { CounterFamily, type CounterId } from './counter-family.js'
export type { CounterBatch, CounterDelta, FlushHandler } from './flush.js'
export type { FlushSchedule } from './flush-schedule.js'
export { Leaderboard, type RankedMember } from './leaderboard.js'
export { Trending } from './trending.js'
export {
  COUNTER_DEFAULTS,
  type CounterFamilyOptions,
  type CounterWriteOptions,
  type FlushOptions,
  type FlushResult,
  type ScheduleFlushOptions,
  type TrendingOptions,
} from './options.js'
