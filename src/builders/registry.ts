/**
 * The builders of one kit: binds each registered definition, runs warm-up builds when
 * the kit starts, keeps the schedules, and stops everything on `close()`. Background
 * failures become `build-error` events, never unhandled rejections.
 */
import { ValidationError } from '../core/errors/index.js'
import { unref } from '../core/deadline.js'
import type { Builder, BuilderRuntime, GuardedReason } from './builder.js'
import { SetIndex, SortedSetIndex, ValueBuilder, type BoundBuilders } from './indexes.js'
import type { AnyBuilderDefinition, BuilderKind, BuildReport, BuildTarget } from './types.js'

/** The builders of a kit and their lifecycle. */
export interface BuilderRegistry<Definitions extends Record<string, AnyBuilderDefinition>> {
  /** `kit.builders`. */
  readonly builders: BoundBuilders<Definitions>
  /** Starts warm-up builds and schedules; resolves when the warm-up builds settled (never rejects). */
  start(): Promise<void>
  /** Rebuilds one output named by a cascade. */
  rebuild(target: BuildTarget): Promise<BuildReport>
  /** Stops schedules, cancels running builds and waits for them. */
  close(): Promise<void>
}

// Scheduled runs start up to this fraction of the interval late, so instances do not all wake together.
const SCHEDULE_JITTER = 0.1
// setTimeout fires at once beyond this delay; longer intervals wait in steps.
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Binds `definitions` to a kit's runtime (`closing` in it must be the signal `close()` aborts).
 *
 * @throws {ValidationError} for a name that is not a non-empty string or a definition not made by defineBuilder.
 */
export function createBuilderRegistry<Definitions extends Record<string, AnyBuilderDefinition>>(
  definitions: Definitions | undefined,
  runtime: Omit<BuilderRuntime, 'closing'>,
): BuilderRegistry<Definitions> {
  const stop = new AbortController()
  const bound = new Map<AnyBuilderDefinition, Builder<string, unknown, BuilderKind>>()
  const builders: Record<string, Builder<string, unknown, BuilderKind>> = {}
  for (const [name, definition] of Object.entries(definitions ?? {})) {
    if (name.length === 0) throw new ValidationError('builder names must be non-empty')
    if (
      typeof definition !== 'object' ||
      definition === null ||
      typeof definition.load !== 'function' ||
      typeof definition.for !== 'function'
    ) {
      throw new ValidationError(`builders.${name} must be made by defineBuilder`)
    }
    const builder = bind(name, definition, { ...runtime, closing: stop.signal })
    builders[name] = builder
    bound.set(definition, builder)
  }
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const running = new Set<Promise<unknown>>()

  const track = (builder: Builder<string, unknown, BuilderKind>, reason: GuardedReason): Promise<unknown> => {
    const run = builder.buildGuarded(reason).catch((error: unknown) => {
      if (!stop.signal.aborted) runtime.events.emit('build-error', { builder: builder.name, reason, error })
    })
    running.add(run)
    void run.finally(() => running.delete(run))
    return run
  }

  const schedule = (builder: Builder<string, unknown, BuilderKind>, everyMs: number, delayMs: number) => {
    if (stop.signal.aborted) return
    const timer = setTimeout(
      () => {
        timers.delete(timer)
        if (delayMs > MAX_TIMER_MS) return schedule(builder, everyMs, delayMs - MAX_TIMER_MS)
        void track(builder, 'schedule').then(() => schedule(builder, everyMs, withJitter(everyMs)))
      },
      Math.min(delayMs, MAX_TIMER_MS),
    )
    unref(timer)
    timers.add(timer)
  }

  return {
    builders: Object.freeze(builders) as unknown as BoundBuilders<Definitions>,
    async start() {
      const warmups: Promise<unknown>[] = []
      for (const builder of Object.values(builders)) {
        if (builder.definition.warm) warmups.push(track(builder, 'warm'))
        if (builder.definition.everyMs !== undefined) schedule(builder, builder.definition.everyMs, withJitter(builder.definition.everyMs))
      }
      await Promise.all(warmups)
    },
    rebuild(target) {
      const builder = bound.get(target.definition)
      if (!builder)
        return Promise.reject(
          new ValidationError('rebuild names a builder that is not registered in this kit (createCachekit({ builders }))'),
        )
      return builder.buildOne(target.params as never)
    },
    async close() {
      stop.abort()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await Promise.allSettled([...running])
    },
  }
}

function bind(name: string, definition: AnyBuilderDefinition, runtime: BuilderRuntime): Builder<string, unknown, BuilderKind> {
  if (definition.kind === 'sorted-set') return new SortedSetIndex(name, definition as never, runtime)
  if (definition.kind === 'set') return new SetIndex(name, definition as never, runtime)
  return new ValueBuilder(name, definition as never, runtime)
}

function withJitter(everyMs: number): number {
  return Math.round(everyMs * (1 + Math.random() * SCHEDULE_JITTER))
}
