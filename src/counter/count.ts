/** Reading and checking counter values. */
import { CommandError, ValidationError } from '../core/errors/index.js'
import { describeValue } from '../core/describe-value.js'

/** Checks an increment: a safe integer (Redis counters are 64-bit integers; JS numbers are exact to 2^53). */
export function checkBy(by: unknown): asserts by is number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by))
    throw new ValidationError(`a counter increment must be a safe integer, got ${describeValue(by)}`)
}

/** A stored counter as a number: 0 when missing. */
export function parseCount(value: string | null, key: string): number {
  if (value === null) return 0
  const count = Number(value)
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(count)) {
    // The value is not quoted: whatever wrote it there, it is data, and errors end up in logs.
    throw new CommandError(`ERR counter ${JSON.stringify(key)} holds a non-integer value (${value.length} characters)`, { reply: 'ERR' })
  }
  return count
}
