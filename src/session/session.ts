/** A live session, as `kit.sessions` reads it. Times are epoch ms on Redis's clock. */
export interface Session<Data = unknown> {
  /**
   * The session's public id: safe to show, log and send to the browser (it is a hash of
   * the token, not a credential). `kit.sessions.revoke(userId, handle)` ends the session.
   */
  readonly handle: string
  /** The user the session belongs to, as text (`42` becomes `'42'`). */
  readonly userId: string
  /** The data stored with the session. */
  readonly data: Data
  readonly createdAt: number
  /** When it was created or last touched. */
  readonly lastSeenAt: number
  /** When it ends unless touched before: the earlier of idle and absolute expiry. */
  readonly expiresAt: number
  /** When it ends however often it is touched. */
  readonly absoluteExpiresAt: number
}

/** A user id: a non-empty string or a finite number (`42` and `'42'` are the same user). */
export type SessionUserId = string | number
