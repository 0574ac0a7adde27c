export {
  defineKeys,
  type DefinitionValue,
  type KeyDefinition,
  type Keys,
  type KeysMethods,
} from './define-keys.js'
export {
  type AnyKeyParams,
  type CacheKey,
  type KeyBuilder,
  type KeyFamily,
  type KeyFamilyInfo,
  type KeyPriority,
  type KeyValue,
} from './key-family.js'
export type { KeyDescription } from './describe.js'
export { escapeParam, unescapeParam, type ParamValue } from './escape.js'
export { createNamespace, type Namespace, type NamespaceOptions } from './namespace.js'
export { formatDuration } from './format-duration.js'
export { typed, type Typed } from './typed.js'
export type { KeyParams, ParamNames } from './template.js'
export type {
  InferSchemaOutput,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
} from './standard-schema.js'
