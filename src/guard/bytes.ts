import { ValidationError } from '../core/errors/index.js'

const UNITS: Readonly<Record<string, number>> = Object.freeze({
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
})

/**
 * Parses a memory size the way redis.conf writes it: a number of bytes, or `'20mb'`,
 * `'512kb'`, `'1gb'` (1024-based) and `'20m'`, `'1g'` (1000-based). Case-insensitive.
 *
 * @throws {ValidationError} for anything else, and for sizes that are not positive.
 * @example parseBytes('20mb', 'guard.budget') // 20971520
 */
export function parseBytes(size: number | string, what: string): number {
  if (typeof size === 'number') {
    if (!Number.isSafeInteger(size) || size <= 0) throw new ValidationError(`${what} must be a positive integer of bytes, got ${size}`)
    return size
  }
  const match = typeof size === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(size) : null
  const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b']
  if (!match || unit === undefined) {
    throw new ValidationError(`${what} must be bytes or a size such as '20mb', '512kb', '1gb', got ${JSON.stringify(size)}`)
  }
  const bytes = Math.round(Number(match[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new ValidationError(`${what} must be positive, got ${JSON.stringify(size)}`)
  return bytes
}

/**
 * Bytes as people read them, 1024-based like Redis's `used_memory_human`.
 *
 * @example formatBytes(20971520) // '20.0 MB'
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}
