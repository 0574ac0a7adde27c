/**
 * `kit.flags`: boolean and percentage-rollout feature flags with allow and deny lists and
 * a maintenance switch, checked synchronously from an in-process copy.
 *
 * All flags live in one hash (`<prefix>__flags`, field per flag), so one HGETALL loads
 * them all. Each instance keeps the last loaded copy: checks read it without a round trip
 * and reload it in the background once it is older than `refresh`. Writes are announced
 * on a pub/sub channel, so other instances reload at once. With Redis unreachable, checks
 * answer from the last loaded copy, or from the declared defaults when nothing was ever
 * loaded; they never throw and never wait.
 */
import { CachekitError, ValidationError } from '../core/errors/index.js'
import type { Driver, SubscriptionStatus, Unsubscribe } from '../drivers/driver.js'
import { flagUpdate } from '../scripts/flag-update.js'
import { evaluateFlag } from './evaluate.js'
import { assertFlagName, decodeFlag, encodeFlagInput, type CompiledFlag, type FlagInput, type FlagState } from './flag-state.js'
import type { ResolvedFlagsOptions } from './options.js'

/** Who a check is for. */
export interface FlagContext {
  /** The user: needed for percentage rollouts and allow/deny lists. */
  userId?: string | number
}

/** A change to a flag: fields to replace, or a function from the current state (`undefined`: no state yet) to the new one. */
export type FlagPatch = Partial<FlagInput> | ((current: FlagState | undefined) => FlagInput)

/** What the maintenance switch says. */
export interface MaintenanceState {
  readonly enabled: boolean
  /** The notice to show, if one was set. */
  readonly message: string | undefined
}

/** What the kit hands the flag service. @internal */
export interface FlagsContext {
  readonly driver: Driver
  readonly prefix: string
  readonly options: ResolvedFlagsOptions
  readonly onDegraded: (event: { operation: string; error: unknown }) => void
}

/** The name of the maintenance switch. */
export const MAINTENANCE_FLAG = 'maintenance'

// After a failed load, try again this soon even when `refresh` is long: an instance that
// started during an outage should not wait a whole refresh period for its first copy.
const RETRY_AFTER_FAILURE_MS = 1_000
// Optimistic updates retry this often under contention before giving up.
const MAX_UPDATE_ATTEMPTS = 10

/** The feature flags of a kit. */
export class Flags {
  private readonly tableKey: string
  private readonly channel: string
  private snapshot: ReadonlyMap<string, CompiledFlag> | undefined
  private nextRefreshAt = 0
  private requested = 0
  private loading: Promise<void> | undefined
  private subscription: Promise<Unsubscribe | undefined> | undefined
  private closed = false

  /** @internal Use `kit.flags`. */
  constructor(private readonly context: FlagsContext) {
    this.tableKey = `${context.prefix}__flags`
    this.channel = `${context.prefix}__flags:changed`
  }

  /**
   * Loads every flag from Redis now (and subscribes to updates the first time). Call it at
   * startup so the first checks see Redis's state, not the defaults. Never rejects: a
   * failure is reported as a `degraded` event and checks keep their last copy.
   * @example await kit.flags.load()
   */
  load(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.requested++
    this.loading ??= this.loadUntilCurrent()
    return this.loading
  }

  /**
   * Whether `name` is on (for `context.userId`), from the in-process copy: no round trip,
   * never throws. Before the first load it answers the declared default (and starts the
   * load); a copy older than `refresh` is reloaded in the background.
   * @example if (kit.flags.isEnabled('new-player', { userId: user.id })) renderNewPlayer()
   */
  isEnabled(name: string, context: FlagContext = {}): boolean {
    this.refreshIfStale()
    const flag = this.snapshot?.get(name)
    if (flag === undefined) return this.context.options.defaults.get(name) ?? false
    return evaluateFlag(name, flag, userText(context.userId))
  }

  /**
   * As {@link isEnabled}, but waits for the first load (only the first check ever waits).
   * @example if (await kit.flags.check('search-v2', { userId })) return searchV2(query)
   */
  async check(name: string, context: FlagContext = {}): Promise<boolean> {
    if (this.snapshot === undefined) await this.load()
    return this.isEnabled(name, context)
  }

  /** The in-process copy of one flag's state (`undefined` when Redis holds none or nothing was loaded). */
  get(name: string): FlagState | undefined {
    return this.snapshot?.get(name)?.state
  }

  /** The in-process copy of every flag's state, by name. */
  all(): Record<string, FlagState> {
    return Object.fromEntries([...(this.snapshot ?? new Map<string, CompiledFlag>())].map(([name, flag]) => [name, flag.state]))
  }

  /**
   * Replaces the state of `name`, announces it to every instance, and resolves once this
   * instance's copy shows it.
   * @throws {ValidationError} for a bad name or state.
   * @throws {DriverError} when Redis is unreachable (nothing changed).
   * @example await kit.flags.set('new-player', { enabled: true, percentage: 10, allow: ['qa-1'] })
   */
  async set(name: string, state: FlagInput): Promise<FlagState> {
    assertFlagName(name)
    const json = encodeFlagInput(state, Date.now())
    const reply = await this.context.driver.eval(flagUpdate, [this.tableKey], [name, '-1', json])
    return this.written(name, json, reply.revision)
  }

  /**
   * Changes part of a flag's state: fields to replace, or a function of the current state.
   * Concurrent updates never lose each other's changes (compare-and-set on the revision,
   * retried; a function may run more than once).
   * @throws {ValidationError} for a bad name or resulting state.
   * @throws {DriverError} when Redis is unreachable.
   * @example await kit.flags.update('new-player', (flag) => ({ ...flag, enabled: true, allow: [...(flag?.allow ?? []), userId] }))
   */
  async update(name: string, patch: FlagPatch): Promise<FlagState> {
    assertFlagName(name)
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const stored = await this.context.driver.hget(this.tableKey, name)
      const current = stored === null ? undefined : decodeFlag(stored)?.state
      const next: FlagInput =
        typeof patch === 'function' ? patch(current) : { ...toInput(current, this.context.options.defaults.get(name) ?? false), ...patch }
      const json = encodeFlagInput(next, Date.now())
      const reply = await this.context.driver.eval(flagUpdate, [this.tableKey], [name, String(current?.revision ?? 0), json])
      if (reply.written) return this.written(name, json, reply.revision)
    }
    throw new CachekitError(`flag ${JSON.stringify(name)}: gave up after ${MAX_UPDATE_ATTEMPTS} conflicting concurrent updates`)
  }

  /**
   * Turns `name` on (keeping its rollout and lists).
   * @example await kit.flags.enable('search-v2')
   */
  enable(name: string): Promise<FlagState> {
    return this.update(name, { enabled: true })
  }

  /**
   * Turns `name` off for everyone but its allow list: the kill switch.
   * @example await kit.flags.disable('search-v2')
   */
  disable(name: string): Promise<FlagState> {
    return this.update(name, { enabled: false })
  }

  /**
   * Deletes the stored state of `name`: checks fall back to its declared default.
   * Resolves whether there was a state.
   * @example await kit.flags.remove('old-experiment')
   */
  async remove(name: string): Promise<boolean> {
    assertFlagName(name)
    const existed = (await this.context.driver.hget(this.tableKey, name)) !== null
    await this.context.driver.eval(flagUpdate, [this.tableKey], [name, '-1', ''])
    await this.announceAndReload(name)
    return existed
  }

  /**
   * The maintenance switch (the flag `maintenance`), from the in-process copy like
   * {@link isEnabled}.
   * @example if (kit.flags.maintenance().enabled) return reply.status(503).send(kit.flags.maintenance().message)
   */
  maintenance(): MaintenanceState {
    const enabled = this.isEnabled(MAINTENANCE_FLAG)
    return { enabled, message: enabled ? this.get(MAINTENANCE_FLAG)?.message : undefined }
  }

  /**
   * Turns maintenance mode on (with a notice) or off, on every instance.
   * @example await kit.flags.setMaintenance(true, 'Back at 14:00 UTC')
   */
  async setMaintenance(enabled: boolean, message?: string): Promise<void> {
    if (typeof enabled !== 'boolean') throw new ValidationError('setMaintenance needs a boolean')
    await this.set(MAINTENANCE_FLAG, { enabled, message })
  }

  /** Stops listening for updates. Idempotent. @internal Called by `kit.close()`. */
  async close(): Promise<void> {
    this.closed = true
    const unsubscribe = await this.subscription
    this.subscription = undefined
    await unsubscribe?.().catch(() => undefined)
  }

  private refreshIfStale(): void {
    if (this.closed || this.loading !== undefined || Date.now() < this.nextRefreshAt) return
    void this.load()
  }

  /** Loads until every load requested so far is covered by one that started after it. */
  private async loadUntilCurrent(): Promise<void> {
    try {
      let covered = 0
      while (covered < this.requested && !this.closed) {
        const target = this.requested
        await this.loadOnce()
        covered = target
      }
    } finally {
      this.loading = undefined
    }
  }

  private async loadOnce(): Promise<boolean> {
    this.subscribe()
    try {
      const table = await this.context.driver.hgetall(this.tableKey)
      const flags = new Map<string, CompiledFlag>()
      for (const [name, stored] of Object.entries(table)) {
        const flag = decodeFlag(stored)
        if (flag === null)
          this.context.onDegraded({
            operation: 'flags.load',
            error: new ValidationError(`flag ${JSON.stringify(name)} holds a malformed state; it reads as its default`),
          })
        else flags.set(name, flag)
      }
      this.snapshot = flags
      this.nextRefreshAt = Date.now() + this.context.options.refreshMs
      return true
    } catch (error) {
      this.nextRefreshAt = Date.now() + Math.min(this.context.options.refreshMs, RETRY_AFTER_FAILURE_MS)
      this.context.onDegraded({ operation: 'flags.load', error })
      return false
    }
  }

  private subscribe(): void {
    if (this.subscription !== undefined || this.closed || !this.context.driver.capabilities.pubsub) return
    // Announcements lost while delivery was interrupted are made up for by a reload once it resumes.
    const onStatus = (status: SubscriptionStatus) => (status === 'active' ? void this.load() : undefined)
    this.subscription = this.context.driver
      .subscribe(this.channel, () => void this.load(), { onStatus })
      .then(
        (unsubscribe) => {
          if (this.closed) void unsubscribe().catch(() => undefined)
          return unsubscribe
        },
        (error: unknown) => {
          // Retried at the next load; until then updates arrive by the refresh interval.
          this.subscription = undefined
          this.context.onDegraded({ operation: 'flags.subscribe', error })
          return undefined
        },
      )
  }

  /** After a write: tell the others, reload, and make sure this copy shows the write even if the reload failed. */
  private async written(name: string, json: string, revision: number): Promise<FlagState> {
    await this.announceAndReload(name)
    const own = decodeFlag(`${revision}|${json}`) as CompiledFlag
    const loaded = this.snapshot?.get(name)
    if (loaded === undefined || loaded.state.revision < revision) this.snapshot = new Map(this.snapshot ?? []).set(name, own)
    return this.snapshot?.get(name)?.state ?? own.state
  }

  private async announceAndReload(name: string): Promise<void> {
    this.context.driver
      .publish(this.channel, name)
      .catch((error: unknown) => this.context.onDegraded({ operation: 'flags.publish', error }))
    await this.load()
  }
}

function userText(userId: FlagContext['userId']): string | undefined {
  if (userId === undefined || userId === null) return undefined
  return String(userId)
}

function toInput(state: FlagState | undefined, enabledByDefault: boolean): FlagInput {
  if (state === undefined) return { enabled: enabledByDefault }
  return { enabled: state.enabled, percentage: state.percentage, allow: state.allow, deny: state.deny, message: state.message }
}
