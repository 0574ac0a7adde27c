// redlock 5's package.json "exports" does not point at its typings, so bundler resolution
// cannot find them; this declares the part of its API the lock benchmark uses.
declare module 'redlock' {
  import type { Cluster, Redis } from 'ioredis'

  export interface Lock {
    readonly resources: string[]
    readonly value: string
    readonly expiration: number
    release(): Promise<unknown>
    extend(duration: number): Promise<Lock>
  }

  export interface RedlockSettings {
    driftFactor?: number
    retryCount?: number
    retryDelay?: number
    retryJitter?: number
    automaticExtensionThreshold?: number
  }

  export default class Redlock {
    constructor(clients: Iterable<Redis | Cluster>, settings?: RedlockSettings)
    acquire(resources: string[], duration: number, settings?: RedlockSettings): Promise<Lock>
    quit(): Promise<void>
  }
}
