import type { Driver } from '../drivers/driver.js'
import type { DriverConformanceOptions } from './options.js'

/** What each part of the conformance suite gets. */
export interface SuiteContext {
  readonly options: DriverConformanceOptions
  /** The driver under test (created in `beforeAll`). */
  driver(): Driver
  /**
   * A key unique to the running test. Keys of one test share a `{hash tag}`, so
   * multi-key calls are single-slot on a cluster unless `untagged` is asked for.
   */
  key(name: string, untagged?: boolean): string
  /** Starts a fresh key namespace; called before each test. */
  renew(): void
}

/** Creates the shared context: one driver per suite, a fresh key namespace per test. */
export function createSuiteContext(options: DriverConformanceOptions): SuiteContext & { setDriver(driver: Driver | undefined): void } {
  let current: Driver | undefined
  let namespace = ''
  return {
    options,
    driver() {
      if (!current) throw new Error('conformance: the driver is not created yet')
      return current
    },
    setDriver(driver) {
      current = driver
    },
    key(name, untagged = false) {
      return untagged ? `ck:conf:${namespace}:${name}` : `ck:conf:{${namespace}}:${name}`
    },
    renew() {
      namespace = randomId()
    },
  }
}

/** A short random id (Web Crypto, so the suite runs wherever the driver does). */
function randomId(): string {
  return globalThis.crypto.randomUUID().slice(0, 13)
}

/** Polls `check` until it returns true or `timeoutMs` passes; throws with `what` on timeout. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`conformance: timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
