/**
 * Idempotency keys on the in-memory driver: `npm run example:idempotency`. Swap in
 * `ioredisDriver({ url })` or `upstashDriver({ url, token })` and duplicates are caught
 * across all your processes. Every snippet in docs/idempotency.md is copied from this
 * file, which CI runs.
 */
import { createCachekit, IdempotencyConflictError, IdempotencyInProgressError } from 'cachekit'

const kit = createCachekit({ prefix: 'shop', idempotency: { ttl: '24h', wait: '5s' } })

/** A stand-in payment provider: it charges whatever it is asked to, however often. */
class CardDeclinedError extends Error {
  override name = 'CardDeclinedError'
  readonly status = 402
}
const provider = {
  calls: 0,
  charges: 0,
  async charge(order: PaymentRequest): Promise<{ chargeId: string; amount: number; at: Date }> {
    this.calls++
    if (order.card === 'declined') throw new CardDeclinedError('insufficient funds')
    this.charges++
    await new Promise((resolve) => setTimeout(resolve, 50))
    return { chargeId: `ch_${this.charges}`, amount: order.amount, at: new Date('2024-06-01T10:00:00Z') }
  },
}

interface PaymentRequest {
  orderId: string
  amount: number
  card: string
}

interface Response {
  status: number
  body: unknown
  headers: Record<string, string>
}

// An HTTP handler: the client sends an Idempotency-Key header with each payment request.
async function handlePayment(idempotencyKey: string, body: PaymentRequest): Promise<Response> {
  try {
    const { value, replayed } = await kit.idempotency.execute(`payment:${idempotencyKey}`, () => provider.charge(body), {
      payload: body,
      storeErrors: (error) => error instanceof CardDeclinedError,
    })
    return { status: 201, body: value, headers: replayed ? { 'idempotent-replayed': 'true' } : {} }
  } catch (error) {
    if (error instanceof IdempotencyConflictError) return { status: 422, body: { error: error.code }, headers: {} }
    if (error instanceof IdempotencyInProgressError) {
      return { status: 409, body: { error: error.code }, headers: { 'retry-after': String(Math.ceil((error.retryAfterMs ?? 1000) / 1000)) } }
    }
    const status = (error as { status?: number }).status ?? 500
    return { status, body: { error: (error as Error).message }, headers: {} }
  }
}

const order = { orderId: 'o-1', amount: 1999, card: 'visa' }
const first = await handlePayment('key-1', order)
show('first', `${first.status} ${JSON.stringify(first.body)}`)

// The client timed out and retries: same key, same body. The stored result comes back.
const retry = await handlePayment('key-1', order)
show('retry', `${retry.status}, replayed: ${retry.headers['idempotent-replayed']}, same charge: ${(retry.body as { chargeId: string }).chargeId}, at is a Date: ${(retry.body as { at: unknown }).at instanceof Date}`)

// A retry storm: ten duplicates at once. One runs, the others wait for its result.
const storm = await Promise.all(Array.from({ length: 10 }, () => handlePayment('key-2', { orderId: 'o-2', amount: 500, card: 'visa' })))
show('storm', `${storm.length} requests, statuses ${[...new Set(storm.map((response) => response.status))].join(',')}, charges so far: ${provider.charges}`)

// The same key with another body is a client bug: refused, nothing runs.
const changed = await handlePayment('key-1', { ...order, amount: 1 })
show('conflict', `${changed.status} ${JSON.stringify(changed.body)}`)

// A declined card is a final answer: stored, and replayed without asking the provider again.
const declined = await handlePayment('key-3', { orderId: 'o-3', amount: 700, card: 'declined' })
const declinedAgain = await handlePayment('key-3', { orderId: 'o-3', amount: 700, card: 'declined' })
show('declined', `${declined.status} then ${declinedAgain.status} ${JSON.stringify(declinedAgain.body)}`)

// A duplicate that may not wait while the first request still runs gets 409 and Retry-After.
const slow = kit.idempotency.run('payment:key-4', () => new Promise((resolve) => setTimeout(() => resolve('done'), 100)))
try {
  await kit.idempotency.run('payment:key-4', () => 'never', { wait: 0 })
} catch (error) {
  if (!(error instanceof IdempotencyInProgressError)) throw error
  show('busy', `${error.code}, retry after ${Math.ceil((error.retryAfterMs ?? 0) / 1000)} s`)
}
await slow
show('provider', `15 payment requests, ${provider.calls} provider calls, ${provider.charges} charges`)

await kit.close()

function show(step: string, text: string): void {
  console.log(`${step.padEnd(10)}${text}`)
}
