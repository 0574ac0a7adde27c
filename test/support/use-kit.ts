/**
 * One kit factory for the suite, in the unstorage style (`testDriver({ driver, flags })`):
 * `useKit(target, options)` returns `make(overrides?)`, which builds a kit on the target
 * with a unique prefix and closes it when the test ends. A kit made outside a test (in
 * `beforeAll`) closes after the suite instead.
 *
 * @example
 * describe.each(targets('memory', 'redis'))('sessions on $name', (target) => {
 *   const make = useKit(target, { label: 'sess' })
 *   it('creates a session', async () => {
 *     const kit = make({ sessions: { ttl: '1h' } })
 *   })
 * })
 */
import { afterAll, afterEach, beforeEach } from 'vitest'
import type { AnyBuilderDefinition } from '../../src/builders/types.js'
import type { Driver } from '../../src/drivers/driver.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import type { CascadeMap } from '../../src/cascades/index.js'
import { createCachekit, type Cachekit, type CachekitOptions } from '../../src/kit.js'
import type { RateLimitPolicies } from '../../src/ratelimit/policy.js'
import { targets, uniquePrefix, type Target, type TargetName } from './targets.js'

type Builders = Record<string, AnyBuilderDefinition>

export interface UseKitOptions<K, L extends RateLimitPolicies, C extends CascadeMap, B extends Builders>
  extends Omit<CachekitOptions<K, L, C, B>, 'driver'> {
  /** The label of each kit's unique prefix (ignored when `prefix` is given). @default 'test' */
  label?: string
  /** Kits made in one test share one unique prefix, as the processes of one app do. @default false (one each) */
  prefixPerTest?: boolean
  /**
   * On memory, kits made in one test share one memory driver, as kits on Redis share the
   * server (a memory driver is a server of its own). @default false
   */
  sharedStore?: boolean
}

/** Builds a kit; `overrides` win over the options given to `useKit` (a `driver` too). */
export interface KitFactory<K, L extends RateLimitPolicies, C extends CascadeMap, B extends Builders> {
  <K2 = K, L2 extends RateLimitPolicies = L, C2 extends CascadeMap = C, B2 extends Builders = B>(
    overrides?: CachekitOptions<K2, L2, C2, B2>,
  ): Cachekit<K2, L2, C2, B2>
  /** A driver on the kits' store, closed with them: for writing keys the kits must not write themselves. */
  driver(): Driver
  /** The prefix of this test's kits with `prefixPerTest`; a fresh unique prefix otherwise. */
  readonly prefix: string
}

interface Closable {
  close(): Promise<void>
}

/**
 * A kit factory for `target` (a target or its name). Call it in a `describe` body (or at
 * the top of a file), before any `beforeEach` of yours that makes kits.
 */
export function useKit<
  K = undefined,
  L extends RateLimitPolicies = Record<never, never>,
  C extends CascadeMap = Record<never, never>,
  B extends Builders = Record<never, never>,
>(target: Target | TargetName, options: UseKitOptions<K, L, C, B> = {}): KitFactory<K, L, C, B> {
  const on = typeof target === 'string' ? (targets(target)[0] as Target) : target
  const { label = 'test', prefixPerTest = false, sharedStore = false, ...kitOptions } = options
  const testScope: Closable[] = []
  const suiteScope: Closable[] = []
  let inTest = false
  let testPrefix = uniquePrefix(label)
  let store: Driver | undefined

  const scope = () => (inTest ? testScope : suiteScope)
  const storeDriver = (): Driver => {
    if (on.name === 'memory' && sharedStore) return (store ??= memoryDriver())
    return on.createDriver()
  }
  const nextPrefix = () => kitOptions.prefix ?? (prefixPerTest ? testPrefix : uniquePrefix(label))
  const closeAll = async (closables: Closable[]) => {
    await on.recover?.()
    await Promise.all(closables.splice(0).map((closable) => closable.close()))
  }

  beforeEach(() => {
    inTest = true
  })
  afterEach(async () => {
    inTest = false
    await closeAll(testScope)
    testPrefix = uniquePrefix(label)
    store = undefined
  })
  afterAll(async () => {
    await closeAll(suiteScope)
  })

  const make = (overrides: CachekitOptions<unknown, RateLimitPolicies, CascadeMap, Builders> = {}) => {
    const kit = createCachekit({
      ...kitOptions,
      ...overrides,
      prefix: overrides.prefix ?? nextPrefix(),
      driver: overrides.driver ?? storeDriver(),
    } as CachekitOptions)
    scope().push(kit)
    return kit
  }
  const driver = () => {
    const made = storeDriver()
    // The shared memory driver is closed by the kits on it.
    if (made !== store) scope().push(made)
    return made
  }
  // A getter, defined as one: Object.assign would copy the first test's prefix as a value.
  return Object.defineProperties(make, {
    driver: { value: driver },
    prefix: { get: nextPrefix },
  }) as unknown as KitFactory<K, L, C, B>
}
