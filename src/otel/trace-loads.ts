/**
 * OpenTelemetry spans for loader calls, from the kit's `load` and `load-error` events:
 * no change to the cache is needed. A `load` span is created when the loader finished,
 * with its real start time (end minus `durationMs`) and the caller's active span as its
 * parent; spans your loader opened itself are therefore its siblings, not its children.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { KitEvents } from '../kit.js'
import type { Emitter } from '../core/events.js'
import type { TracingOptions } from './traced-driver.js'

/**
 * Records a span per loader call of `kit`; returns a function that stops.
 *
 * @example
 * const stop = traceLoads(kit)
 */
export function traceLoads(kit: { readonly events: Emitter<KitEvents> }, options: TracingOptions = {}): () => void {
  const tracer = options.tracer ?? trace.getTracer('cachekit')
  const stops = [
    kit.events.on('load', (event) => {
      const endTime = Date.now()
      const span = tracer.startSpan(`cachekit load ${event.family}`, {
        kind: SpanKind.INTERNAL,
        startTime: endTime - event.durationMs,
        attributes: {
          'cachekit.family': event.family,
          'cachekit.load.duration_ms': event.durationMs,
          ...(options.recordKeys ? { 'cachekit.key': event.key } : {}),
        },
      })
      span.end(endTime)
    }),
    kit.events.on('load-error', (event) => {
      // The event carries no duration: the span marks when the failure was seen.
      const span = tracer.startSpan(`cachekit load ${event.family}`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          'cachekit.family': event.family,
          'cachekit.load.served_stale': event.servedStale,
          ...(options.recordKeys ? { 'cachekit.key': event.key } : {}),
        },
      })
      span.recordException(event.error instanceof Error ? event.error : String(event.error))
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'loader failed' })
      span.end()
    }),
  ]
  return () => {
    for (const stop of stops) stop()
  }
}
