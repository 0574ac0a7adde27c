/**
 * Names a value for an error message, whatever it is: strings are quoted (and cut at 40
 * characters), numbers, booleans, null, undefined and bigints are printed, anything else is
 * named by its kind. Never throws: a message about bad input must not fail on the input
 * (`JSON.stringify(10n)` and `String(Object.create(null))` both throw a TypeError).
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      if (value === null) return 'null'
      return Array.isArray(value) ? 'an array' : 'an object'
  }
}
