/**
 * Optional prerequisites of the suite: parts a contributor's machine may lack. A test that
 * needs a missing one is skipped with its reason (printed again at the end of the run by
 * global-setup.ts); under `CI=true` a missing prerequisite fails instead, so CI never
 * passes by skipping. `redis-server` is not optional: the README lists it.
 */
import { existsSync } from 'node:fs'

export interface Prerequisite {
  /** What is missing, as the skip message names it. */
  readonly name: string
  readonly path: string
  /** The tests that need it. */
  readonly neededBy: string
  /** How to install it. */
  readonly install: string
}

export const CHROMIUM: Prerequisite = {
  name: 'Chromium',
  path: '/usr/bin/chromium',
  neededBy: 'test/admin/dashboard.test.ts',
  install: "Debian's chromium package (apt-get install chromium)",
}

export const OPTIONAL_PREREQUISITES: readonly Prerequisite[] = [CHROMIUM]

/** Why `prerequisite` is missing, or `undefined` when it is there. */
export function missing(prerequisite: Prerequisite): string | undefined {
  if (existsSync(prerequisite.path)) return undefined
  return `${prerequisite.neededBy} skipped: ${prerequisite.name} is not at ${prerequisite.path}; install ${prerequisite.install}`
}

/**
 * True when the tests needing `prerequisite` can run. When it is missing, prints the skip
 * reason and returns false, or throws under `CI=true`.
 */
export function available(prerequisite: Prerequisite): boolean {
  const reason = missing(prerequisite)
  if (reason === undefined) return true
  if (process.env.CI === 'true') throw new Error(`CI=true needs every prerequisite: ${reason}`)
  console.warn(reason)
  return false
}
