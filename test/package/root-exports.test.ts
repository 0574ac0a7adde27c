/**
 * The root entry point is what an application uses, and growing it is a decision: this
 * test pins its value and type names. A name that moved is reachable from the subpath the
 * CHANGELOG's table names (the `<!-- moved-names -->` table), and a removed name stays gone.
 * Values are read from the module itself; types from the TypeScript checker.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { subpaths } from '../../scripts/entries.mjs'

const root = join(import.meta.dirname, '..', '..')

const ROOT_VALUES = [
  'BuildError',
  'CachekitError',
  'CircuitOpenError',
  'CommandError',
  'CrossSlotError',
  'DriverClosedError',
  'DriverError',
  'DriverTimeoutError',
  'IdempotencyConflictError',
  'IdempotencyInProgressError',
  'InvalidationError',
  'LoaderTimeoutError',
  'LockLostError',
  'LockNotAcquiredError',
  'RateLimitExceededError',
  'ValidationError',
  'createCachekit',
  'createSuperjsonCodec',
  'defineBuilder',
  'defineChannel',
  'defineKeys',
  'escapeParam',
  'ipKey',
  'jsonCodec',
  'rateLimitHeaders',
  'superjsonCodec',
  'typed',
  'unescapeParam',
]

/** Type-only exports of the root, feature classes included (the kit constructs them). */
const ROOT_TYPES = [
  'AcquireOptions',
  'AnyBuilderDefinition',
  'AnyKeyParams',
  'BoundBuilder',
  'BoundBuilders',
  'BreakerOptions',
  'BuildLocks',
  'BuildOptions',
  'BuildProgress',
  'BuildReport',
  'BuildStatus',
  'BuildTarget',
  'Builder',
  'BuilderDefinition',
  'BuilderItem',
  'BuilderKind',
  'BuilderOptions',
  'CacheCallOptions',
  'CacheKey',
  'CacheKeyInput',
  'CacheService',
  'Cachekit',
  'CachekitErrorCode',
  'CachekitErrorOptions',
  'CachekitOptions',
  'CachekitWarning',
  'CachekitWarningCode',
  'Cascade',
  'CascadeMap',
  'CascadeParams',
  'CascadeReport',
  'CascadeTargets',
  'Channel',
  'ChannelEvents',
  'ChannelHandler',
  'Channels',
  'CircuitState',
  'Codec',
  'CommandErrorOptions',
  'CounterBatch',
  'CounterDelta',
  'CounterFamily',
  'CounterFamilyOptions',
  'CounterId',
  'CounterWriteOptions',
  'Counters',
  'CreateSessionOptions',
  'DefinitionValue',
  'DestroyAllOptions',
  'DriverErrorOptions',
  'Duration',
  'Emitter',
  'FamilyStats',
  'FixedWindowPolicy',
  'FlagContext',
  'FlagInput',
  'FlagPatch',
  'FlagState',
  'Flags',
  'FlagsOptions',
  'FlushHandler',
  'FlushOptions',
  'FlushResult',
  'FlushSchedule',
  'GetOrSetOptions',
  'GuardOptions',
  'HealthThresholds',
  'Idempotency',
  'IdempotencyInProgressErrorOptions',
  'IdempotencyKey',
  'IdempotencyOptions',
  'IdempotentContext',
  'IdempotentOperation',
  'IdempotentResult',
  'InferSchemaInput',
  'InferSchemaOutput',
  'InvalidationErrorOptions',
  'InvalidationEvent',
  'IpKeyOptions',
  'ItemSource',
  'KeyBuilder',
  'KeyDefinition',
  'KeyDescription',
  'KeyFamily',
  'KeyFamilyInfo',
  'KeyParams',
  'KeyPriority',
  'KeyValue',
  'Keys',
  'KeysMethods',
  'KitEvents',
  'L1TierOptions',
  'Leaderboard',
  'Listener',
  'LoadContext',
  'Loader',
  'LoaderContext',
  'Lock',
  'LockNotAcquiredErrorOptions',
  'LockResource',
  'Locks',
  'MaintenanceState',
  'MessageInfo',
  'Namespace',
  'PageOptions',
  'ParamNames',
  'ParamValue',
  'PatternInvalidationOptions',
  'PatternInvalidationReport',
  'PatternProgress',
  'RankedMember',
  'RateLimitAlgorithmName',
  'RateLimitCallOptions',
  'RateLimitExceededDetails',
  'RateLimitIdentifier',
  'RateLimitPolicies',
  'RateLimitPolicy',
  'RateLimitPolicyBase',
  'RateLimitPolicyName',
  'RateLimitResult',
  'RateLimiter',
  'RateLimits',
  'ResolvedRateLimitPolicy',
  'RetryOptions',
  'RunOptions',
  'ScheduleFlushOptions',
  'ScoreRangeOptions',
  'Semaphore',
  'SemaphoreOptions',
  'Session',
  'SessionOptions',
  'SessionUserId',
  'Sessions',
  'SetIndex',
  'SetItem',
  'SetManyOptions',
  'SlidingLogPolicy',
  'SlidingWindowPolicy',
  'SortedSetIndex',
  'SortedSetItem',
  'StandardSchemaV1',
  'TagInvalidationOptions',
  'TagInvalidationReport',
  'TagOptions',
  'Tier',
  'TokenBucketPolicy',
  'Trending',
  'TrendingOptions',
  'Typed',
  'Unsubscribe',
  'ValueBuilder',
  'ValueItem',
  'WithLockOptions',
]

const ROOT_SOURCE = subpaths['.'] as string
const checked = exportedNames(Object.values(subpaths) as string[])

describe('the root entry point (cachekit)', () => {
  it('exports exactly these values', async () => {
    const values = Object.keys(await import('../../src/index.js'))
    expect(sorted(values)).toEqual(sorted(ROOT_VALUES))
  })

  it('exports exactly these types', async () => {
    const values = new Set(Object.keys(await import('../../src/index.js')))
    const types = (checked.get(ROOT_SOURCE) ?? []).filter((name) => !values.has(name))
    expect(sorted(types)).toEqual(sorted(ROOT_TYPES))
  })

  it('exports no feature class as a value', async () => {
    const values = Object.values(await import('../../src/index.js'))
    const classes = values.filter((value) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value)))
    const errorsOnly = classes.every((value) => (value as { prototype: unknown }).prototype instanceof Error)
    expect(errorsOnly).toBe(true)
  })
})

describe('every moved name (CHANGELOG, moved-names table)', () => {
  const rows = movedNames()

  it('is listed (the table was found and read)', () => {
    expect(rows.filter((row) => row.subpath !== 'removed').flatMap((row) => row.names).length).toBeGreaterThan(80)
    expect(rows.map((row) => row.subpath)).toEqual(expect.arrayContaining(['./drivers', './ops', 'removed']))
  })

  it.each(rows.filter((row) => row.subpath !== 'removed'))('is reachable from $subpath ($kind)', async ({ subpath, kind, names }) => {
    const source = subpaths[subpath as keyof typeof subpaths]
    expect(source, `${subpath} is not a package subpath`).toBeDefined()
    const values = new Set(Object.keys(await import(join(root, source as string))))
    const all = new Set(checked.get(source as string))
    const wrong = names.filter((name) => (kind === 'values' ? !values.has(name) : !all.has(name) || values.has(name)))
    expect(wrong).toEqual([])
  })

  it('is no longer exported by the root, and a removed name by no subpath', async () => {
    const rootNames = new Set(checked.get(ROOT_SOURCE))
    const stillAtRoot = rows.flatMap((row) => row.names).filter((name) => rootNames.has(name))
    expect(stillAtRoot).toEqual([])
    const removed = rows.filter((row) => row.subpath === 'removed').flatMap((row) => row.names)
    const exportedSomewhere = removed.filter((name) => [...checked.values()].some((names) => names.includes(name)))
    expect(exportedSomewhere).toEqual([])
  })
})

function sorted(names: readonly string[]): string[] {
  return [...names].sort((a, b) => a.localeCompare(b))
}

/** The table's rows: `| \`cachekit/ops\` | values | \`a\`, \`b\` |` (or `| removed | ... |`). */
function movedNames(): { subpath: string; kind: 'values' | 'types'; names: string[] }[] {
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8')
  const start = changelog.indexOf('<!-- moved-names')
  expect(start).toBeGreaterThan(-1)
  const rows = []
  for (const line of changelog.slice(start).split('\n').slice(1)) {
    const match = /^\s*\| (`cachekit\/[\w/]+`|removed) \| (values|types) \| (.+) \|\s*$/.exec(line)
    if (!match) {
      if (/^\s*\|/.test(line)) continue
      break
    }
    const subpath = match[1] === 'removed' ? 'removed' : `./${(match[1] as string).slice('`cachekit/'.length, -1)}`
    rows.push({
      subpath,
      kind: match[2] as 'values' | 'types',
      names: [...(match[3] as string).matchAll(/`(\w+)`/g)].map((name) => name[1] as string),
    })
  }
  return rows
}

/** Every name (value or type) each entry file exports, per the TypeScript checker. */
function exportedNames(sources: readonly string[]): Map<string, string[]> {
  const files = sources.map((source) => join(root, source))
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  })
  const checker = program.getTypeChecker()
  const names = new Map<string, string[]>()
  sources.forEach((source, index) => {
    const file = program.getSourceFile(files[index] as string)
    const module = file && checker.getSymbolAtLocation(file)
    names.set(source, module ? checker.getExportsOfModule(module).map((symbol) => symbol.name) : [])
  })
  return names
}
