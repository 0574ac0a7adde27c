/**
 * A small typed event emitter (edge-safe: no `node:events`). Listener errors are
 * caught and routed to the `error` listener set (or dropped), never into the caller.
 */
export type Listener<T> = (payload: T) => void

/**
 * The announcing half of an {@link Emitter}. A feature announcing into a larger map (the
 * kit's, whose `invalidate` payloads are the cache's and the cascades') takes this: an
 * `Emitter` of its own events would also let it listen, and hear payloads it does not know.
 */
export interface EventSink<Events extends object> {
  /** True when someone listens: lets hot paths skip building payloads nobody reads. */
  has(event: keyof Events): boolean
  emit(...args: { [E in keyof Events]: [event: E, payload: Events[E]] }[keyof Events]): void
}

export class Emitter<Events extends object> {
  // Keyed by any name, so an emitter of a larger map is also one of any part of it.
  private readonly listeners = new Map<PropertyKey, Set<Listener<never>>>()

  /** Subscribes to `event`; returns a function that unsubscribes. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    let set = this.listeners.get(event)
    if (!set) {
      set = new Set()
      this.listeners.set(event, set)
    }
    set.add(listener as Listener<never>)
    return () => this.off(event, listener)
  }

  /** Subscribes for one emission only. */
  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    const off = this.on(event, (payload) => {
      off()
      listener(payload)
    })
    return off
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): void {
    this.listeners.get(event)?.delete(listener as Listener<never>)
  }

  /** True when someone listens: lets hot paths skip building payloads nobody reads. */
  has(event: keyof Events): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event)
    if (!set || set.size === 0) return
    for (const listener of set) {
      try {
        ;(listener as Listener<Events[E]>)(payload)
      } catch {
        // A listener's failure must never break the cache call that emitted the event.
      }
    }
  }
}
