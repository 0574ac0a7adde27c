/**
 * The last few noteworthy events (not hits and misses, which are counted): driver
 * failures the cache answered around, circuit changes, loader errors, invalid entries,
 * guard state changes, evictions and warnings. For the dashboard and `metrics()`.
 */
import type { CacheEvents } from '../cache/events.js'
import type { Emitter } from '../core/events.js'
import type { OutageEvents } from '../drivers/outages.js'
import type { CircuitEvents } from '../drivers/resilient.js'
import type { GuardEvents } from '../guard/memory-guard.js'
import type { WarningEvents } from '../ratelimit/warnings.js'

/** The kit events the log records. */
export type NoteworthyEvents = Pick<CacheEvents, 'bus' | 'load-error' | 'invalid'> & OutageEvents & CircuitEvents & WarningEvents

/** One logged event, JSON-safe. */
export interface LoggedEvent {
  /** Epoch ms. */
  readonly at: number
  readonly type: string
  readonly message: string
  readonly severity: 'info' | 'warning' | 'critical'
}

const CAPACITY = 50

export class EventLog {
  private readonly entries: LoggedEvent[] = []

  /** Starts logging the kit's and the guard's events; returns a function that stops. */
  attach(events: Emitter<NoteworthyEvents>, guardEvents: Emitter<GuardEvents>): () => void {
    const stops = [
      events.on('degraded', (event) =>
        this.add(
          'degraded',
          'warning',
          `${event.operation}${event.family ? ` (${event.family})` : ''} answered without the driver: ${errorText(event.error)}`,
        ),
      ),
      events.on('outage', (event) =>
        event.state === 'started'
          ? this.add('outage', 'critical', `driver unavailable since ${event.operation} failed: ${errorText(event.error)}`)
          : this.add(
              'outage',
              'info',
              `driver back after ${event.durationMs} ms: ${event.failedCalls} calls failed, ${Object.values(event.degraded).reduce((sum, n) => sum + n, 0)} answers without it`,
            ),
      ),
      events.on('bus', (event) =>
        this.add('bus', event.state === 'interrupted' ? 'warning' : 'info', `cache bus ${event.previous} -> ${event.state}`),
      ),
      events.on('circuit', (event) =>
        this.add('circuit', event.state === 'open' ? 'critical' : 'info', `circuit ${event.previous} -> ${event.state}`),
      ),
      events.on('load-error', (event) =>
        this.add(
          'load-error',
          'warning',
          `loader of ${event.family} failed${event.servedStale ? ' (stale value served)' : ''}: ${errorText(event.error)}`,
        ),
      ),
      events.on('invalid', (event) =>
        this.add('invalid', 'warning', `invalid entry in ${event.family} (${event.reason}), treated as a miss`),
      ),
      events.on('warning', (event) => this.add('config', 'warning', `${event.code}: ${event.message}`)),
      guardEvents.on('state', (event) =>
        this.add(
          'guard',
          event.state === 'critical' ? 'critical' : event.state === 'warn' ? 'warning' : 'info',
          `guard ${event.previous} -> ${event.state} at ${percent(event.usage.ratio)} of memory`,
        ),
      ),
      guardEvents.on('evicted', (event) =>
        this.add(
          'evicted',
          'warning',
          `guard evicted ${event.total} keys (${Object.entries(event.byFamily)
            .map(([family, count]) => `${family}: ${count}`)
            .join(', ')})`,
        ),
      ),
      guardEvents.on('warning', (event) => this.add('config', 'warning', event.message)),
      guardEvents.on('check-failed', (event) =>
        this.add('guard-check', 'warning', `guard could not read the server: ${errorText(event.error)}`),
      ),
    ]
    return () => {
      for (const stop of stops) stop()
    }
  }

  /** Adds an event (features may log their own). */
  add(type: string, severity: LoggedEvent['severity'], message: string): void {
    this.entries.push({ at: Date.now(), type, severity, message })
    if (this.entries.length > CAPACITY) this.entries.shift()
  }

  /** Newest first. */
  recent(): LoggedEvent[] {
    return [...this.entries].reverse()
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' ? code : error.name
  }
  return 'error'
}

function percent(ratio: number | null): string {
  return ratio === null ? 'an unknown share' : `${(ratio * 100).toFixed(1)}%`
}
