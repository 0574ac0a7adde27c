/**
 * One outage harness for failure tests, in the unstorage style (`testDriver({ driver, flags })`):
 * `useOutage(options)` starts a redis-server of the file's own, a fault proxy in front of it
 * (fault-proxy.ts) and makes ioredis drivers through the proxy. Tests break the wire
 * (`hang`, `cut`, `delay`) or the server (`stopServer`, `pauseServer`); after each test the
 * harness puts both back, and after the file it stops them.
 *
 * Its `target` plugs into `useKit`, which then puts the network back before closing the
 * kits, so a close never waits on a hung wire:
 *
 * @example
 * const outage = useOutage({ driver: { commandTimeoutMs: 200 }, failOnUnhandled: true })
 * const make = useKit(outage.target, { label: 'outage', breaker: { failureThreshold: 3, cooldownMs: 200 } })
 * it('fails closed while Redis hangs', async () => {
 *   const kit = make()
 *   await outage.hang()
 * })
 */
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { Driver } from '../../src/drivers/driver.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import type { IoredisUrlOptions } from '../../src/drivers/ioredis/options.js'
import { startFaultProxy, type FaultProxy } from './fault-proxy.js'
import { startRedisProcess, type RedisProcess } from './redis-process.js'
import type { Target } from './targets.js'

export type OutageDriverOptions = Omit<IoredisUrlOptions, 'url'>

export interface OutageOptions {
  /** Options of every driver made through the proxy (`driver()` can override them per driver). @default { commandTimeoutMs: 200 } */
  driver?: OutageDriverOptions
  /** Extra redis-server arguments. */
  serverArgs?: string[]
  /** A password the server requires (set after start, so the readiness probe needs none); the URLs carry it. */
  password?: string
  /** Fails each test that leaves an unhandled rejection behind. @default false */
  failOnUnhandled?: boolean
}

export interface Outage {
  /** The redis-server behind the proxy, a daemon of this file's own. */
  readonly server: RedisProcess
  /** The proxy, for what the shortcuts below do not cover (`connections`). */
  readonly proxy: FaultProxy
  /** redis://[:password@]host:port of the proxy. */
  readonly url: string
  /** redis://[:password@]host:port of the server itself: another process, whose network stays up. */
  readonly directUrl: string
  /** Drivers through the proxy, for `useKit` (which restores the proxy and server before closing its kits). */
  readonly target: Target
  /** Drivers straight to the server, for `useKit`: for tests that stop or pause the server itself. */
  readonly directTarget: Target
  /** An ioredis driver through the proxy; closed after the file if nobody closed it before. */
  driver(options?: OutageDriverOptions): Driver
  /** An ioredis driver straight to the server, with the same options; closed after the file too. */
  directDriver(options?: OutageDriverOptions): Driver
  /** Holds every connection and forwards nothing: a hung network. */
  hang(): Promise<void>
  /** Drops every connection and refuses new ones: a dead server, as far as the client can tell. */
  cut(): Promise<void>
  /** Delays every chunk both ways by `ms` (0 turns it off). */
  delay(ms: number): void
  /** Forwards again, undelayed, and starts or resumes the server if a test stopped or paused it. */
  restore(): Promise<void>
  /** Stops the server (its connections close); `startServer` brings it back, empty, on the same port. */
  stopServer(): Promise<void>
  startServer(): Promise<void>
  /** SIGSTOP: the server holds its connections and answers nothing; `resumeServer` continues it. */
  pauseServer(): Promise<void>
  resumeServer(): Promise<void>
}

export const OUTAGE_DEFAULTS = Object.freeze({ driver: Object.freeze({ commandTimeoutMs: 200 }), failOnUnhandled: false })

/** Registers the servers and hooks of an outage harness in the current file or `describe`. */
export function useOutage(options: OutageOptions = {}): Outage {
  const driverDefaults = { ...OUTAGE_DEFAULTS.driver, ...options.driver }
  const failOnUnhandled = options.failOnUnhandled ?? OUTAGE_DEFAULTS.failOnUnhandled
  const credentials = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`
  const drivers: Driver[] = []
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  let server: RedisProcess | undefined
  let proxy: FaultProxy | undefined
  let serverDown: 'stopped' | 'paused' | undefined

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useOutage: the ${what} starts in beforeAll; use it inside a hook or test`)
    return value
  }
  const requirePassword = async () => {
    if (options.password === undefined) return
    const admin = new Redis(started(server, 'server').url, { protocol: 2, maxRetriesPerRequest: 1 })
    try {
      await admin.config('SET', 'requirepass', options.password)
    } finally {
      admin.disconnect()
    }
  }
  const track = (driver: Driver): Driver => {
    drivers.push(driver)
    return driver
  }
  const restore = async () => {
    const proxied = started(proxy, 'proxy')
    proxied.delay(0)
    await proxied.restore()
    if (serverDown === 'paused') await outage.resumeServer()
    if (serverDown === 'stopped') await outage.startServer()
  }

  beforeAll(async () => {
    if (failOnUnhandled) process.on('unhandledRejection', onUnhandled)
    server = await startRedisProcess({ args: options.serverArgs })
    await requirePassword()
    proxy = await startFaultProxy(server)
  })
  afterEach(async () => {
    await restore()
    if (failOnUnhandled) expect(unhandled.splice(0)).toEqual([])
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await Promise.all(drivers.map((driver) => driver.close()))
    await proxy?.close()
    await server?.stop()
  })

  const outage: Outage = {
    get server() {
      return started(server, 'server')
    },
    get proxy() {
      return started(proxy, 'proxy')
    },
    get url() {
      const { host, port } = started(proxy, 'proxy')
      return `redis://${credentials}${host}:${port}`
    },
    get directUrl() {
      const { host, port } = started(server, 'server')
      return `redis://${credentials}${host}:${port}`
    },
    target: { name: 'redis', createDriver: () => outage.driver(), recover: restore },
    directTarget: { name: 'redis', createDriver: () => outage.directDriver(), recover: restore },
    driver: (overrides = {}) => track(ioredisDriver({ ...driverDefaults, ...overrides, url: outage.url })),
    directDriver: (overrides = {}) => track(ioredisDriver({ ...driverDefaults, ...overrides, url: outage.directUrl })),
    hang: () => started(proxy, 'proxy').hang(),
    cut: () => started(proxy, 'proxy').cut(),
    delay: (ms) => started(proxy, 'proxy').delay(ms),
    restore,
    stopServer: async () => {
      await started(server, 'server').stop()
      serverDown = 'stopped'
    },
    startServer: async () => {
      await started(server, 'server').start()
      await requirePassword()
      serverDown = undefined
    },
    pauseServer: async () => {
      await started(server, 'server').pause()
      serverDown = 'paused'
    },
    resumeServer: async () => {
      await started(server, 'server').resume()
      serverDown = undefined
    },
  }
  return outage
}
