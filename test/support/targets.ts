/**
 * The drivers feature tests run against: memory always, real Redis always, and the
 * Cluster and Upstash stand-in where a test asks for them.
 */
import { inject } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { memoryDriver } from '../../src/drivers/memory/index.js'
import { upstashDriver } from '../../src/drivers/upstash/index.js'

export type TargetName = 'memory' | 'redis' | 'cluster' | 'upstash'

export interface Target {
  name: TargetName
  /** A new driver. Memory drivers are independent; the others share one server. */
  createDriver(): Driver
  /**
   * Puts the target back in working order (a fault proxy forwarding again, a stopped
   * server started) before the kits made on it by `useKit` close.
   */
  recover?(): Promise<void>
}

const factories: Record<TargetName, () => Driver> = {
  memory: () => memoryDriver(),
  redis: () => ioredisDriver({ url: inject('redisUrl') }),
  cluster: () => ioredisDriver({ cluster: inject('clusterNodes') }),
  upstash: () => upstashDriver({ url: inject('upstashUrl'), token: inject('upstashToken') }),
}

/** Targets by name, for `describe.each`. */
export function targets(...names: TargetName[]): Target[] {
  return names.map((name) => ({ name, createDriver: factories[name] }))
}

/** A unique prefix per test so tests sharing a server never see each other's keys. */
export function uniquePrefix(label = 'test'): string {
  return `${label}-${globalThis.crypto.randomUUID().slice(0, 8)}`
}
