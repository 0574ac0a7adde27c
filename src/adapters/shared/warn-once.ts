/**
 * Runtime warnings of the adapters: a `warning` event on the kit (the monitor's event log
 * records it, so `kit.monitor.metrics()` and the dashboard show it), once per kind and scope. A
 * kit-wide mistake (Express's `trust proxy`) is reported once per kit, a limiter's own
 * (its key) once per limiter. Edge-safe: no console, no `process.emitWarning`.
 */
import type { CachekitWarning, CachekitWarningCode } from '../../ratelimit/warnings.js'

/** What a warning needs of a kit: its event emitter. */
export interface WarningKit {
  readonly events: { emit(event: 'warning', payload: CachekitWarning): void }
}

// Weak, and at most one entry per warning code per scope: bounded by the kits and limiters alive.
const reported = new WeakMap<object, Set<CachekitWarningCode>>()

/** Emits `warning` unless this scope already reported this code. */
export function warnOnce(kit: WarningKit, scope: object, warning: CachekitWarning): void {
  let codes = reported.get(scope)
  if (codes === undefined) {
    codes = new Set()
    reported.set(scope, codes)
  }
  if (codes.has(warning.code)) return
  codes.add(warning.code)
  kit.events.emit('warning', warning)
}

/** True once this scope reported this code: lets a check skip its work. */
export function alreadyWarned(scope: object, code: CachekitWarningCode): boolean {
  return reported.get(scope)?.has(code) === true
}
