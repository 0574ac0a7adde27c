export { BUILDER_DEFAULTS, defineBuilder } from './define-builder.js'
export type { Builder, BuildLocks } from './builder.js'
export type { BoundBuilder, BoundBuilders, PageOptions, ScoreRangeOptions, SetIndex, SortedSetIndex, ValueBuilder } from './indexes.js'
export type {
  AnyBuilderDefinition,
  BuilderDefinition,
  BuilderItem,
  BuilderKind,
  BuilderOptions,
  BuildOptions,
  BuildProgress,
  BuildReport,
  BuildStatus,
  BuildTarget,
  ItemSource,
  LoadContext,
  SetItem,
  SortedSetItem,
  ValueItem,
} from './types.js'
