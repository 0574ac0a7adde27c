/**
 * Wraps every method of a driver (including methods of custom drivers and of the
 * breaker wrapper) with one interceptor, keeping its non-method properties live
 * (`name`, `capabilities`, `circuit`). `scan` (an async iterable) and `close` pass
 * through untouched.
 */
import type { Driver } from '../drivers/driver.js'

/** Called around each driver call: `call()` runs the real method. */
export type DriverInterceptor = (method: string, args: readonly unknown[], call: () => Promise<unknown>) => Promise<unknown>

// nodeOf and onReconnect are synchronous hints, not storage calls.
const PASS_THROUGH = new Set(['close', 'scan', 'nodeOf', 'onReconnect'])

/**
 * A driver whose calls go through `intercept`.
 *
 * @example
 * const logged = wrapDriver(driver, async (method, args, call) => {
 *   const result = await call()
 *   console.log(method)
 *   return result
 * })
 */
export function wrapDriver<D extends Driver>(driver: D, intercept: DriverInterceptor): D {
  const wrapped: Record<string, unknown> = {}
  const target = driver as unknown as Record<string, (...args: unknown[]) => unknown>
  for (const name of propertyNames(driver)) {
    if (typeof target[name] !== 'function') {
      Object.defineProperty(wrapped, name, { get: () => (driver as unknown as Record<string, unknown>)[name], enumerable: true })
      continue
    }
    // Looked up on every call, so a spy or a patched method on the driver is still honoured.
    wrapped[name] = PASS_THROUGH.has(name)
      ? (...args: unknown[]) => target[name]!(...args)
      : (...args: unknown[]) => {
          try {
            return intercept(name, args, () => Promise.resolve(target[name]!(...args)))
          } catch (error) {
            return Promise.reject(error)
          }
        }
  }
  return wrapped as unknown as D
}

function propertyNames(driver: object): string[] {
  const names = new Set<string>()
  for (
    let level: object | null = driver;
    level !== null && level !== Object.prototype;
    level = Object.getPrototypeOf(level) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(level)) if (name !== 'constructor') names.add(name)
  }
  return [...names]
}
