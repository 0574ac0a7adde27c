/** The lease spec of a plain lock: SET NX PX plus a fencing INCR, token-checked release and extend. */
import type { GiveBacks } from '../core/give-backs.js'
import type { Driver } from '../drivers/driver.js'
import { compareAndDelete } from '../scripts/compare-and-delete.js'
import { compareAndExpire } from '../scripts/compare-and-expire.js'
import { lockAcquire } from '../scripts/lock-acquire.js'
import type { LeaseSpec } from './acquire-lease.js'
import type { LeaseKeys } from './lock-keys.js'

/** The {@link LeaseSpec} of the lock at `keys`. */
export function lockLease(driver: Driver, giveBacks: GiveBacks, resource: string, keys: LeaseKeys): LeaseSpec {
  const release = (token: string): Promise<boolean> => driver.eval(compareAndDelete, [keys.key], [token])
  return {
    resource,
    attempt: (token, ttlMs) => driver.eval(lockAcquire, [keys.key, keys.fenceKey], [token, String(ttlMs)]),
    backend: {
      release,
      giveBack: (token, ttlMs) => giveBacks.giveBack(keys.key, token, ttlMs, () => release(token)),
      extend: (token, ttlMs) => driver.eval(compareAndExpire, [keys.key], [token, String(ttlMs)]),
      check: async (token) => (await driver.get(keys.key)) === token,
    },
  }
}
