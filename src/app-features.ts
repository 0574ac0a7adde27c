/**
 * Wires the application features that sit beside the cache (sessions, idempotency keys,
 * feature flags, pub/sub channels) onto a kit's driver, namespace and codec. Kept apart
 * from kit.ts so the kit only names them.
 */
import type { CacheEvents } from './cache/events.js'
import { Channels } from './channels/channels.js'
import type { Codec } from './codec/codec.js'
import type { EventSink } from './core/events.js'
import type { Driver } from './drivers/driver.js'
import type { DegradedReport } from './drivers/outages.js'
import { Flags } from './flags/flags.js'
import { resolveFlagsOptions, type FlagsOptions } from './flags/options.js'
import { Idempotency } from './idempotency/idempotency.js'
import { resolveIdempotencyOptions, type IdempotencyOptions } from './idempotency/options.js'
import { resolveSessionOptions, type SessionOptions } from './session/options.js'
import { Sessions } from './session/sessions.js'

/** The options these features take from `createCachekit`. */
export interface AppFeatureOptions {
  sessions?: SessionOptions
  idempotency?: IdempotencyOptions
  flags?: FlagsOptions
}

/** The features, and how to stop them. */
export interface AppFeatures {
  readonly sessions: Sessions
  readonly idempotency: Idempotency
  readonly flags: Flags
  readonly channels: Channels
  /** Ends flag and channel subscriptions. Never rejects. */
  close(): Promise<void>
}

/**
 * Creates the features. Options are checked now, so a bad one fails `createCachekit`;
 * nothing touches the driver until a feature is used.
 * @throws {ValidationError} for bad options.
 */
export function createAppFeatures(setup: {
  driver: Driver
  prefix: string
  codec: Codec
  events: EventSink<Pick<CacheEvents, 'invalid'>>
  onDegraded: (report: DegradedReport) => void
  options: AppFeatureOptions
}): AppFeatures {
  const { driver, prefix, codec, events, onDegraded, options } = setup
  const sessions = new Sessions({
    driver,
    prefix,
    codec,
    options: resolveSessionOptions(options.sessions),
    onInvalid: ({ key, reason, issues }) => events.emit('invalid', { key, family: 'sessions', reason, issues }),
  })
  const idempotency = new Idempotency({
    driver,
    prefix,
    codec,
    defaults: resolveIdempotencyOptions(options.idempotency),
    onDegraded: ({ key, operation, error }) => onDegraded({ key, family: 'idempotency', operation, error }),
  })
  const flags = new Flags({
    driver,
    prefix,
    options: resolveFlagsOptions(options.flags, driver.capabilities.pubsub),
    onDegraded: ({ operation, error }) => onDegraded({ family: 'flags', operation, error }),
  })
  const channels = new Channels({ driver, prefix, codec })
  return {
    sessions,
    idempotency,
    flags,
    channels,
    async close() {
      await Promise.all([flags.close(), channels.close()])
    },
  }
}
