/**
 * `kit.sessions`: server-side sessions in Redis with idle and absolute timeouts, a
 * per-user cap, and "log out of all devices" without any key scan.
 *
 * All of a user's sessions live in two keys under one hash tag (see session-keys.ts), so
 * every operation is one single-slot script: Cluster-safe, atomic, bounded by the cap.
 * Sessions fail closed: with Redis unreachable every call rejects with a `DriverError`
 * (the app answers "try again", never "logged out" or "logged in").
 */
import type { Codec } from '../codec/codec.js'
import { ValidationError } from '../core/errors/index.js'
import { describeIssues, validateStandard } from '../core/standard-validate.js'
import type { Driver } from '../drivers/driver.js'
import type { InferSchemaOutput, StandardSchemaV1 } from '../keys/standard-schema.js'
import { isStandardSchema } from '../keys/standard-schema.js'
import { sessionCreate } from '../scripts/session-create.js'
import { sessionDestroyAll } from '../scripts/session-destroy-all.js'
import { sessionDestroy } from '../scripts/session-destroy.js'
import { sessionList } from '../scripts/session-list.js'
import { sessionRead } from '../scripts/session-read.js'
import { splitMeta } from '../scripts/session-shared.js'
import { sessionUpdate } from '../scripts/session-update.js'
import { resolveSessionOptions, type CreateSessionOptions, type ResolvedSessionOptions } from './options.js'
import type { Session, SessionUserId } from './session.js'
import { sessionKeys } from './session-keys.js'
import { handleOf, newToken, parseToken, userTag } from './session-token.js'

/** What the kit hands the session service. @internal */
export interface SessionsContext {
  readonly driver: Driver
  readonly prefix: string
  readonly codec: Codec
  readonly options: ResolvedSessionOptions
  /** Reports stored data that fails the schema or cannot be decoded (read as no session). */
  readonly onInvalid: (event: { key: string; reason: 'schema' | 'corrupt'; issues?: readonly unknown[] }) => void
}

/** Options of {@link Sessions.destroyAll}. */
export interface DestroyAllOptions {
  /**
   * A token whose session survives: "log out of all other devices".
   * @default none: every session ends
   */
  except?: string
}

// User ids are stored verbatim at the end of each session's metadata.
const MAX_USER_ID_LENGTH = 512

/** The session service of a kit. `Data` is the type of the data stored with each session. */
export class Sessions<Data = unknown> {
  /** @internal Use `kit.sessions`. */
  constructor(
    private readonly context: SessionsContext,
    private readonly schema?: StandardSchemaV1,
  ) {}

  /**
   * Starts a session for `userId` holding `data`; resolves its token, the only credential
   * (put it in an `HttpOnly`, `Secure` cookie). If the user is at the cap, the session
   * closest to expiring is evicted in the same atomic step.
   *
   * @throws {ValidationError} for a bad user id or TTL, data failing the schema, or data
   * the codec cannot store.
   * @throws {DriverError} when Redis is unreachable.
   * @example
   * const token = await kit.sessions.create(user.id, { role: 'editor' }, { ttl: '14d' })
   */
  async create(userId: SessionUserId, data: Data, options?: CreateSessionOptions): Promise<string> {
    const user = userIdText(userId)
    const { ttlMs, absoluteTtlMs, maxPerUser } =
      options === undefined ? this.context.options : resolveSessionOptions(options, this.context.options)
    const encoded = await this.encode(data)
    const token = newToken(await userTag(user))
    const keys = sessionKeys(this.context.prefix, token.tag)
    await this.context.driver.eval(sessionCreate, keys, [
      '',
      await handleOf(token.secret),
      user,
      encoded,
      String(ttlMs),
      String(absoluteTtlMs),
      String(maxPerUser),
    ])
    return token.text
  }

  /**
   * The live session of `token`, or `null` (unknown, expired, destroyed, evicted, or text
   * that is not a session token). Does not extend the session: see {@link touch}.
   *
   * @throws {ValidationError} when `token` is not a string.
   * @throws {DriverError} when Redis is unreachable.
   * @example const session = await kit.sessions.get(request.cookies.sid)
   */
  async get(token: string): Promise<Session<Data> | null> {
    return this.read(token, false)
  }

  /**
   * As {@link get}, and slides the idle expiry: the session now ends `ttl` from now (never
   * after its absolute expiry). One round trip: call it instead of `get` on each request
   * to keep active users logged in.
   *
   * @throws {ValidationError} when `token` is not a string.
   * @throws {DriverError} when Redis is unreachable.
   * @example const session = await kit.sessions.touch(request.cookies.sid)
   */
  async touch(token: string): Promise<Session<Data> | null> {
    return this.read(token, true)
  }

  /**
   * Replaces the data of the live session of `token`, keeping its expiry. Resolves `false`
   * when there is no such session (nothing is written).
   *
   * @throws {ValidationError} for data failing the schema or that the codec cannot store.
   * @throws {DriverError} when Redis is unreachable.
   * @example await kit.sessions.update(token, { ...session.data, cart: 3 })
   */
  async update(token: string, data: Data): Promise<boolean> {
    const parsed = parseTokenArgument(token)
    const encoded = await this.encode(data)
    if (parsed === null) return false
    return this.context.driver.eval(sessionUpdate, sessionKeys(this.context.prefix, parsed.tag), [
      '',
      await handleOf(parsed.secret),
      encoded,
    ])
  }

  /**
   * Ends the session of `token` ("log out"). Resolves whether a live session ended.
   * @throws {DriverError} when Redis is unreachable.
   * @example await kit.sessions.destroy(request.cookies.sid)
   */
  async destroy(token: string): Promise<boolean> {
    const parsed = parseTokenArgument(token)
    if (parsed === null) return false
    return this.context.driver.eval(sessionDestroy, sessionKeys(this.context.prefix, parsed.tag), ['', await handleOf(parsed.secret), ''])
  }

  /**
   * The live sessions of `userId`, most recently created first (at most the cap). Each has
   * a `handle` for {@link revoke}, never the token. Sessions whose data no longer passes
   * the schema are left out (and reported as `invalid` events).
   *
   * @throws {ValidationError} for a bad user id.
   * @throws {DriverError} when Redis is unreachable.
   * @example const devices = await kit.sessions.list(user.id)
   */
  async list(userId: SessionUserId): Promise<Session<Data>[]> {
    const user = userIdText(userId)
    const keys = sessionKeys(this.context.prefix, await userTag(user))
    const entries = await this.context.driver.eval(sessionList, keys, ['', user])
    const sessions = await Promise.all(
      entries.map((entry) => this.toSession(keys[1], entry.handle, entry.meta, entry.data, entry.expiresAt)),
    )
    return sessions.filter((session): session is Session<Data> => session !== null).sort((a, b) => b.createdAt - a.createdAt)
  }

  /**
   * Ends one session of `userId` by its public `handle` (from {@link list}): "log out that
   * device". A handle of another user's session ends nothing. Resolves whether a live
   * session ended.
   *
   * @throws {ValidationError} for a bad user id.
   * @throws {DriverError} when Redis is unreachable.
   * @example await kit.sessions.revoke(user.id, request.body.handle)
   */
  async revoke(userId: SessionUserId, handle: string): Promise<boolean> {
    const user = userIdText(userId)
    if (typeof handle !== 'string') throw new ValidationError(`a session handle must be a string, got ${typeof handle}`)
    if (!/^[A-Za-z0-9_-]{43}$/.test(handle)) return false
    return this.context.driver.eval(sessionDestroy, sessionKeys(this.context.prefix, await userTag(user)), ['', handle, user])
  }

  /**
   * Ends every session of `userId` ("log out of all devices"), or all but the one of
   * `except`, in one atomic step: two keys, no scan. Resolves how many live sessions ended.
   *
   * @throws {ValidationError} for a bad user id.
   * @throws {DriverError} when Redis is unreachable.
   * @example await kit.sessions.destroyAll(user.id, { except: request.cookies.sid }) // after a password change
   */
  async destroyAll(userId: SessionUserId, options: DestroyAllOptions = {}): Promise<number> {
    const user = userIdText(userId)
    const tag = await userTag(user)
    if (typeof options !== 'object' || options === null) throw new ValidationError('destroyAll options must be an object: { except? }')
    const except = options.except === undefined ? null : parseTokenArgument(options.except)
    // A token of another user (another tag) cannot be among this user's sessions.
    const keep = except !== null && except.tag === tag ? await handleOf(except.secret) : ''
    return this.context.driver.eval(sessionDestroyAll, sessionKeys(this.context.prefix, tag), ['', user, keep])
  }

  /**
   * The same sessions, with data checked by a Standard Schema (zod, valibot, arktype...)
   * and typed by it: writes failing it are refused with `ValidationError`, stored data
   * failing it reads as no session (reported as an `invalid` event).
   *
   * @throws {ValidationError} when `schema` is not a Standard Schema.
   * @example
   * const sessions = kit.sessions.withSchema(z.object({ role: z.enum(['viewer', 'editor']) }))
   * const session = await sessions.get(token) // session.data.role is typed
   */
  withSchema<Schema extends StandardSchemaV1>(schema: Schema): Sessions<InferSchemaOutput<Schema>> {
    if (!isStandardSchema(schema)) throw new ValidationError('withSchema needs a Standard Schema (zod, valibot, arktype, ...)')
    return new Sessions<InferSchemaOutput<Schema>>(this.context, schema)
  }

  private async read(token: string, touch: boolean): Promise<Session<Data> | null> {
    const parsed = parseTokenArgument(token)
    if (parsed === null) return null
    const keys = sessionKeys(this.context.prefix, parsed.tag)
    const handle = await handleOf(parsed.secret)
    const reply = await this.context.driver.eval(sessionRead, keys, ['', handle, touch ? '1' : '0'])
    return reply === null ? null : this.toSession(keys[1], handle, reply.meta, reply.data, reply.expiresAt)
  }

  private async encode(data: Data): Promise<string> {
    if (this.schema !== undefined) {
      const outcome = await validateStandard(this.schema, data)
      if (outcome.issues !== undefined) throw new ValidationError(`session data fails its schema: ${describeIssues(outcome.issues)}`)
    }
    return this.context.codec.encode(data)
  }

  private async toSession(key: string, handle: string, meta: string, encoded: string, expiresAt: number): Promise<Session<Data> | null> {
    const fields = splitMeta(meta)
    let data: unknown
    try {
      if (fields === null) throw new SyntaxError('malformed session metadata')
      data = this.context.codec.decode(encoded)
    } catch {
      this.context.onInvalid({ key, reason: 'corrupt' })
      return null
    }
    if (this.schema !== undefined) {
      const outcome = await validateStandard(this.schema, data)
      if (outcome.issues !== undefined) {
        this.context.onInvalid({ key, reason: 'schema', issues: outcome.issues })
        return null
      }
      data = outcome.value
    }
    return Object.freeze({
      handle,
      userId: fields.userId,
      data: data as Data,
      createdAt: Number(fields.createdAt),
      lastSeenAt: Number(fields.lastSeen),
      expiresAt,
      absoluteExpiresAt: Number(fields.absoluteAt),
    })
  }
}

/** Canonical text of a user id. */
function userIdText(userId: SessionUserId): string {
  if (typeof userId === 'number') {
    if (!Number.isFinite(userId)) throw new ValidationError(`userId must be a finite number, got ${userId}`)
    return String(userId)
  }
  if (typeof userId !== 'string')
    throw new ValidationError(`userId must be a string or a number, got ${userId === null ? 'null' : typeof userId}`)
  if (userId.length === 0) throw new ValidationError('userId must not be empty')
  if (userId.length > MAX_USER_ID_LENGTH) throw new ValidationError(`userId must be at most ${MAX_USER_ID_LENGTH} characters`)
  if (!userId.isWellFormed()) throw new ValidationError('userId contains a lone UTF-16 surrogate')
  return userId
}

/** A token from the outside world: any string is accepted (garbage is no session), other types are a bug. */
function parseTokenArgument(token: unknown): ReturnType<typeof parseToken> {
  if (typeof token !== 'string')
    throw new ValidationError(`a session token must be a string, got ${token === null ? 'null' : typeof token}`)
  return parseToken(token)
}
