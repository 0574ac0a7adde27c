import type { Driver, DriverCapabilities } from '../drivers/driver.js'

/**
 * Control over the network between a driver and its server, for failure tests.
 * cachekit's own tests implement it with a TCP proxy (test/support/fault-proxy.ts).
 */
export interface FaultInjection {
  /** Creates a driver whose connections pass through the controllable proxy. */
  createDriver(): Driver | Promise<Driver>
  /** The per-command timeout that driver was configured with, in milliseconds. */
  timeoutMs: number
  /** Accepts connections and holds them, forwarding nothing: a hung server. */
  hang(): Promise<void>
  /** Drops every connection and refuses new ones: a dead server. */
  cut(): Promise<void>
  /** Forwards again: the server is back. */
  restore(): Promise<void>
}

/** Options of `runDriverConformance`. */
export interface DriverConformanceOptions {
  /** Label of the `describe` block, e.g. `'ioredis (cluster)'`. */
  name: string
  /** Creates a connected driver. Called once per test file (and again for fault tests). */
  createDriver: () => Driver | Promise<Driver>
  /** The capabilities the driver must declare; checked against `driver.capabilities`. */
  capabilities: DriverCapabilities
  /**
   * Makes the server forget every cached script (SCRIPT FLUSH on every node), to prove
   * EVALSHA falls back to EVAL. Omit for drivers without a script cache.
   */
  flushScripts?: () => Promise<void>
  /** Network fault controls; omit to skip the outage tests (say why in your test file). */
  faults?: FaultInjection
}
