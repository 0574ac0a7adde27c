import { ValidationError } from '../core/errors/index.js'

/**
 * Runs a codec's serialization so that every failure is a {@link ValidationError}: the
 * strictness checks throw one already; anything else (a stack overflow on deeply nested
 * data, a throwing getter, a library's own refusal) is wrapped, with the original as `cause`.
 */
export function guardEncode(codec: string, encode: () => string): string {
  try {
    return encode()
  } catch (error) {
    if (error instanceof ValidationError) throw error
    const reason = error instanceof RangeError ? 'value is nested too deeply' : error instanceof Error ? error.message : String(error)
    throw new ValidationError(`${codec} codec cannot serialize value: ${reason}`, { cause: error })
  }
}
