const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
]

/**
 * Formats milliseconds the way people write TTLs, in a form `parseDuration` reads back:
 * `3_600_000` -> `'1h'`, `5_400_000` -> `'1h30m'`, `1500` -> `'1s500ms'`, `0` -> `'0ms'`.
 * Weeks are shown as days (`'7d'`), as TTL tables usually write them.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0ms'
  let rest = ms
  let text = ''
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size)
    if (count > 0) {
      text += `${count}${unit}`
      rest -= count * size
    }
  }
  return text
}
