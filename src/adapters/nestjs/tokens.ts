/** Injection tokens of the Nest adapter. */
import { Inject } from '@nestjs/common'

/**
 * The kit's injection token: `@Inject(CACHEKIT) kit: Cachekit` (or `@InjectCachekit()`).
 * A symbol from the global registry, so two copies of cachekit agree on it.
 */
export const CACHEKIT: unique symbol = Symbol.for('cachekit.nestjs.kit')

/**
 * Injects the kit the module provides.
 * @example constructor(@InjectCachekit() private readonly kit: Cachekit) {}
 */
export function InjectCachekit(): PropertyDecorator & ParameterDecorator {
  return Inject(CACHEKIT)
}
