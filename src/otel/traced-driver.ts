/**
 * OpenTelemetry spans around driver calls: wrap the driver before handing it to the kit.
 * Uses the global tracer provider unless a tracer is given; without an SDK registered,
 * @opentelemetry/api's tracer is a no-op and so is this.
 */
import { SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api'
import type { Driver } from '../drivers/driver.js'
import { wrapDriver } from '../monitor/wrap-driver.js'

/** Options of {@link tracedDriver} and {@link traceLoads}. */
export interface TracingOptions {
  /**
   * The tracer spans come from.
   * @default trace.getTracer('cachekit')
   */
  tracer?: Tracer
  /**
   * Put the (first) key on each span as `cachekit.key`. Off by default: keys often hold
   * user ids, and traces leave the process.
   * @default false
   */
  recordKeys?: boolean
}

/**
 * A driver whose every call (except `scan` and `close`) runs in a CLIENT span named
 * `cachekit <method>`, with `db.system.name`, `db.operation.name`, the driver's name and,
 * for scripts, the script's name. Failures are recorded on the span and rethrown.
 *
 * @example
 * const kit = createCachekit({ driver: tracedDriver(ioredisDriver({ url })) })
 */
export function tracedDriver<D extends Driver>(driver: D, options: TracingOptions = {}): D {
  const tracer = options.tracer ?? trace.getTracer('cachekit')
  return wrapDriver(driver, (method, args, call) => {
    const attributes: Attributes = {
      'db.system.name': driver.name === 'memory' ? 'cachekit-memory' : 'redis',
      'db.operation.name': method,
      'cachekit.driver': driver.name,
    }
    if (method === 'eval') attributes['cachekit.script'] = (args[0] as { name?: string } | undefined)?.name ?? 'unknown'
    if (options.recordKeys) {
      const key = method === 'eval' ? (args[1] as readonly string[] | undefined)?.[0] : Array.isArray(args[0]) ? args[0][0] : args[0]
      if (typeof key === 'string') attributes['cachekit.key'] = key
    }
    return tracer.startActiveSpan(`cachekit ${method}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        return await call()
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error))
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string } | undefined)?.code ?? 'error' })
        throw error
      } finally {
        span.end()
      }
    })
  })
}
