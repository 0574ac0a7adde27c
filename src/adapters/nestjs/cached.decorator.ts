/**
 * `@Cached({ key, ttl, tags })`: caches what a provider's method returns, through the kit
 * the module provides (injected into the instance as a property, so the class needs no
 * constructor change).
 */
import { Inject } from '@nestjs/common'
import type { Duration } from '../../core/duration.js'
import { ValidationError } from '../../core/errors/index.js'
import type { AnyCachekit } from '../shared/any-kit.js'
import { CACHEKIT } from './tokens.js'

/** Options of {@link Cached}; `Args` are the method's arguments. */
export interface CachedOptions<Args extends unknown[] = any[]> {
  /**
   * The cache key, a function of the method's arguments.
   * @example (id: string) => `video:${id}`
   */
  key: (...args: Args) => string
  /**
   * How long a result is fresh.
   * @default the kit's defaultTtl
   * @example '10m'
   */
  ttl?: Duration
  /** How long after `ttl` the stale result is still served while it is refreshed. */
  grace?: Duration
  /**
   * Tags of the entry, for `kit.cache.invalidateTags`: fixed, or from the arguments.
   * @example (id) => [`video:${id}`]
   */
  tags?: readonly string[] | ((...args: Args) => readonly string[])
}

/** Where the kit lands on instances of classes with a `@Cached` method. */
const KIT_PROPERTY = Symbol.for('cachekit.nestjs.cached-kit')

/**
 * Caches the method's result in the kit: one call per key at a time (in this process and
 * across processes), the stored result afterwards. The class must be a provider of a
 * module that sees `CachekitModule` (global, or imported). When Redis is away, the method
 * runs. The method becomes async.
 *
 * @example
 * @Cached({ key: (id: string) => `video:${id}`, ttl: '10m', tags: (id) => [`video:${id}`] })
 * async findOne(id: string): Promise<Video> { return this.db.video(id) }
 */
export function Cached<Args extends unknown[] = any[]>(options: CachedOptions<Args>): MethodDecorator {
  if (typeof options?.key !== 'function') throw new ValidationError('@Cached: key must be a function of the method arguments')
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown
    if (typeof original !== 'function') throw new ValidationError(`@Cached: ${String(propertyKey)} is not a method`)
    Inject(CACHEKIT)(target, KIT_PROPERTY)
    const { key, ttl, grace, tags } = options
    const cachedMethod = function (this: Record<symbol, AnyCachekit | undefined>, ...args: Args): Promise<unknown> {
      const kit = this[KIT_PROPERTY]
      if (kit === undefined) {
        return Promise.reject(
          new ValidationError(
            `@Cached ${String(propertyKey)}: no kit was injected. Is ${target.constructor.name} a provider of a module that sees CachekitModule?`,
          ),
        )
      }
      const computed = typeof tags === 'function' ? tags(...args) : tags
      return kit.cache.getOrSet(key(...args), () => (original as (...a: Args) => unknown).apply(this, args), {
        ...(ttl === undefined ? {} : { ttl }),
        ...(grace === undefined ? {} : { grace }),
        ...(computed === undefined ? {} : { tags: computed }),
      })
    }
    copyMetadata(original, cachedMethod)
    Object.defineProperty(cachedMethod, 'name', { value: (original as { name: string }).name })
    descriptor.value = cachedMethod as typeof descriptor.value
    return descriptor
  }
}

/** Keeps what decorators applied before this one recorded on the method (route metadata). */
function copyMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as {
    getMetadataKeys?: (target: object) => unknown[]
    getMetadata(key: unknown, target: object): unknown
    defineMetadata(key: unknown, value: unknown, target: object): void
  }
  if (typeof reflect.getMetadataKeys !== 'function') return
  for (const metadataKey of reflect.getMetadataKeys(from)) reflect.defineMetadata(metadataKey, reflect.getMetadata(metadataKey, from), to)
}
