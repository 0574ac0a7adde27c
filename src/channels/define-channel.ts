/**
 * Typed pub/sub channels: a name, and optionally a Standard Schema that every message is
 * checked against, on publish (a bad message is refused) and on receipt (a bad message is
 * dropped and reported, never handed to a subscriber).
 */
import { ValidationError } from '../core/errors/index.js'
import { escapeParam, type ParamValue } from '../keys/escape.js'
import { isStandardSchema, type InferSchemaOutput, type StandardSchemaV1 } from '../keys/standard-schema.js'

/** A channel whose messages are `Message` when received and `Input` when published. */
export interface Channel<Message = unknown, Input = Message> {
  /** The channel's name inside the kit's namespace. */
  readonly name: string
  /** The schema messages are checked against, if any. */
  readonly schema: StandardSchemaV1 | undefined
  /**
   * A sub-channel with the same schema, one escaped segment per part: any value is safe.
   * @example notifications.of(userId) // 'notifications:42'
   */
  of(...parts: ParamValue[]): Channel<Message, Input>
  /** Carries the message types; never set at runtime. */
  readonly '~types'?: { readonly message: Message; readonly input: Input }
}

/** The input type of a Standard Schema. */
export type InferSchemaInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input']

// Whitespace and control characters have no place in names; glob characters are kept
// free for pattern subscriptions; braces for hash tags.
const FORBIDDEN = /[\x00-\x20\x7f*?[\]\\{}]/
const MAX_NAME_LENGTH = 256

/**
 * Defines a channel whose messages a Standard Schema (zod, valibot, arktype...) checks.
 * @throws {ValidationError} for an empty name, one over 256 characters, or one with
 * whitespace, control characters, `* ? [ ] \ { }`.
 * @example
 * const notifications = defineChannel('notifications', z.object({ id: z.string(), text: z.string() }))
 */
export function defineChannel<Schema extends StandardSchemaV1>(
  name: string,
  schema: Schema,
): Channel<InferSchemaOutput<Schema>, InferSchemaInput<Schema>>
/**
 * Defines a channel typed as `Message`, without a runtime check.
 * @example const ticks = defineChannel<{ at: Date }>('ticks')
 */
export function defineChannel<Message = unknown>(name: string): Channel<Message>
export function defineChannel(name: string, schema?: StandardSchemaV1): Channel {
  assertChannelName(name)
  if (schema !== undefined && !isStandardSchema(schema))
    throw new ValidationError(`channel ${JSON.stringify(name)}: the schema must be a Standard Schema (zod, valibot, arktype, ...)`)
  return createChannel(name, schema)
}

/** A channel named by plain text: no schema. */
export function toChannel(channel: Channel<unknown, unknown> | string): Channel<unknown, unknown> {
  if (typeof channel === 'string') return defineChannel(channel)
  if (typeof channel !== 'object' || channel === null || typeof channel.name !== 'string')
    throw new ValidationError('a channel must be a name or a channel from defineChannel()')
  return channel
}

function createChannel(name: string, schema: StandardSchemaV1 | undefined): Channel {
  return Object.freeze({
    name,
    schema,
    of: (...parts: ParamValue[]) => {
      if (parts.length === 0) throw new ValidationError(`channel ${JSON.stringify(name)}: of() needs at least one part`)
      const child = [name, ...parts.map((part) => escapeParam(part, 'channel part'))].join(':')
      if (child.length > MAX_NAME_LENGTH) throw new ValidationError(`a channel name must be at most ${MAX_NAME_LENGTH} characters`)
      return createChannel(child, schema)
    },
  })
}

function assertChannelName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw new ValidationError('a channel name must be a non-empty string')
  if (name.length > MAX_NAME_LENGTH) throw new ValidationError(`a channel name must be at most ${MAX_NAME_LENGTH} characters`)
  const bad = FORBIDDEN.exec(name)
  if (bad !== null) throw new ValidationError(`channel name ${JSON.stringify(name)} must not contain ${JSON.stringify(bad[0])}`)
}
