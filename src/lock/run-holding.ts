/**
 * `withLock`'s body: run a function while holding a lock, extend the lock in the
 * background, release it in `finally`. The extender never leaves a rejection unhandled.
 */
import { CachekitError } from '../core/errors/index.js'
import { unref } from '../core/deadline.js'
import type { HeldLock, Lock } from './lock.js'

/**
 * Runs `fn(lock)`, extending the lock every `extendEveryMs` when given, and releases it
 * afterwards. `fn`'s own error wins over any release failure. When `fn` succeeded but
 * the lock turned out lost (its signal aborted, or release found it gone), rejects with
 * that `LockLostError`: the work ran, at least partly, unprotected. A release that fails
 * only because Redis is unreachable is not an error here: the work completed under the
 * lock, which expires by its TTL.
 */
export async function runHolding<T>(lock: HeldLock, fn: (lock: Lock) => Promise<T> | T, extendEveryMs: number | undefined): Promise<T> {
  const stopExtending = extendEveryMs === undefined ? undefined : keepExtending(lock, extendEveryMs)
  let result: T
  try {
    result = await fn(lock)
  } catch (error) {
    await stopExtending?.()
    await lock.release().catch(() => undefined)
    throw error
  }
  await stopExtending?.()
  try {
    await lock.release()
  } catch (error) {
    if (CachekitError.is(error, 'LOCK_LOST')) throw error
  }
  return result
}

/**
 * Extends `lock` every `intervalMs` (counted from when the previous extension was sent,
 * so a slow round trip does not push the next one towards the deadline) until stopped or
 * lost. A driver failure is retried at the next interval; if none succeeds before the
 * lock's TTL runs out, the lock's own deadline aborts its signal. Returns a function that
 * stops it and waits for an extension in flight, so a release never races an extend.
 */
function keepExtending(lock: HeldLock, intervalMs: number): () => Promise<void> {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight: Promise<void> = Promise.resolve()
  let lastSentAtMs = Date.now()
  const schedule = (): void => {
    if (stopped || !lock.active) return
    timer = setTimeout(tick, Math.max(0, lastSentAtMs + intervalMs - Date.now()))
    unref(timer)
  }
  const tick = (): void => {
    timer = undefined
    lastSentAtMs = Date.now()
    inFlight = lock.extend().then(schedule, (error: unknown) => {
      if (!CachekitError.is(error, 'LOCK_LOST')) schedule()
    })
  }
  schedule()
  return async () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    await inFlight
  }
}
