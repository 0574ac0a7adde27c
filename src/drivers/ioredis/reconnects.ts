/**
 * Telling the breaker that a connection is back. A standalone client reports its own
 * return; on a cluster each node's connection reports with its `host:port`, so only
 * that node's circuit closes. A connection counts as back when it is `ready` again
 * after having been down, not on its first connect.
 */
import type { Cluster, Redis } from 'ioredis'
import { isCluster, type Client } from './connect.js'

export type ReconnectListener = (node: string | undefined) => void

/** Watches `client` for returns; `stop()` removes every listener it added. */
export class Reconnects {
  private readonly listeners = new Set<ReconnectListener>()
  private readonly stops: Array<() => void> = []
  private watching = false

  constructor(private readonly client: Client) {}

  /** Adds a listener; the returned function removes it. */
  add(listener: ReconnectListener): () => void {
    if (!this.watching) this.watch()
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop()
    this.listeners.clear()
  }

  private watch(): void {
    this.watching = true
    const client = this.client
    this.follow(client as Redis, undefined)
    if (!isCluster(client)) return
    for (const node of client.nodes()) this.follow(node, nodeKey(node))
    const added = (node: Redis) => this.follow(node, nodeKey(node))
    ;(client as Cluster).on('+node', added)
    this.stops.push(() => (client as Cluster).off('+node', added))
  }

  private follow(emitter: Redis, node: string | undefined): void {
    let down = false
    const lost = () => (down = true)
    const ready = () => {
      if (!down) return
      down = false
      for (const listener of this.listeners) {
        try {
          listener(node)
        } catch {
          // A listener's failure must not break the connection's event loop.
        }
      }
    }
    emitter.on('close', lost)
    emitter.on('reconnecting', lost)
    emitter.on('ready', ready)
    this.stops.push(() => {
      emitter.off('close', lost)
      emitter.off('reconnecting', lost)
      emitter.off('ready', ready)
    })
  }
}

/** A node's name as the cluster's slot table spells it. */
export function nodeKey(node: Redis): string {
  return `${node.options.host}:${node.options.port}`
}
