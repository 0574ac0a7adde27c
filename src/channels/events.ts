/** Events of `kit.channels` (subscribe with `kit.channels.events.on(name, listener)`). */
export interface ChannelEvents {
  /**
   * A received message was dropped: it could not be decoded (`corrupt`) or failed the
   * channel's schema (`schema`). Subscribers never see it.
   */
  invalid: { channel: string; reason: 'schema' | 'corrupt'; issues?: readonly unknown[]; error?: unknown }
  /** A subscriber's handler threw or rejected. Other subscribers and later messages are unaffected. */
  'handler-error': { channel: string; error: unknown }
}
