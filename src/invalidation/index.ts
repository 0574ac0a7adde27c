export { PATTERN_DEFAULTS, type PatternInvalidationOptions, type PatternInvalidationReport, type PatternProgress } from './pattern.js'
export type { TagInvalidationOptions, TagInvalidationReport } from './tag-invalidation.js'
export type { TagOptions } from './tag-options.js'
export { TAG_DEFAULTS } from './tag-stamps.js'
