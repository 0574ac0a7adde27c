/**
 * Where locks and semaphores live: `<prefix>__lock:{<resource>}` with its fencing counter
 * `<prefix>__lock:{<resource>}:fence` (and `__sem:` for semaphores). The escaped resource
 * is the hash tag, so a lease and its counter share a cluster slot and one script can
 * touch both.
 */
import { escapeParam, type ParamValue } from '../keys/escape.js'

/** The keys of one lease. */
export interface LeaseKeys {
  /** The lease itself: a string (lock) or a sorted set of holders (semaphore). */
  readonly key: string
  /** The fencing counter. Never expires: tokens must keep growing for the resource's life. */
  readonly fenceKey: string
}

/** The keys of lock `resource` under `prefix` (the kit namespace's prefix). */
export function lockKeys(prefix: string, resource: ParamValue): LeaseKeys {
  return leaseKeys(`${prefix}__lock:`, resource)
}

/** The keys of semaphore `resource` under `prefix`. */
export function semaphoreKeys(prefix: string, resource: ParamValue): LeaseKeys {
  return leaseKeys(`${prefix}__sem:`, resource)
}

function leaseKeys(head: string, resource: ParamValue): LeaseKeys {
  const key = `${head}{${escapeParam(resource, 'lock resource')}}`
  return { key, fenceKey: `${key}:fence` }
}
