/**
 * cachekit drivers tour: the Driver contract on the in-memory driver, no server needed. Run it with `npm run example:drivers`.
 *
 * Every call below behaves the same on `ioredisDriver` and `upstashDriver`: one Driver
 * contract, proven by one conformance suite. (Inside this repository `cachekit` resolves to
 * src/ through tsconfig.json `paths`; in your app it is the installed package.)
 */
import { createHash } from 'node:crypto'
import { CachekitError } from 'cachekit'
import { defineScript } from 'cachekit/drivers'
import { memoryDriver } from 'cachekit/drivers/memory'

const driver = memoryDriver({ maxEntries: 50_000, maxBytes: 64 * 1024 * 1024 })

// Strings with a TTL, in milliseconds.
await driver.set('greeting', 'hello', { ttlMs: 60_000 })
const ttlMs = await driver.pttl('greeting')
show('set/get', `greeting = ${await driver.get('greeting')} (expires in ${Math.ceil(ttlMs / 1000)} s)`)

await driver.set('session:abc', 'alice', { ttlMs: 20 })
await new Promise((resolve) => setTimeout(resolve, 50))
show('expiry', `session:abc after 50 ms = ${await driver.get('session:abc')}`)

// SET NX: only the first writer wins, the building block of locks and idempotency.
const first = await driver.set('job:42:owner', 'worker-1', { nx: true, ttlMs: 30_000 })
const second = await driver.set('job:42:owner', 'worker-2', { nx: true, ttlMs: 30_000 })
show('set NX', `worker-1 won: ${first}, worker-2 won: ${second}, owner = ${await driver.get('job:42:owner')}`)

// A script: Lua for Redis and Upstash, and a JavaScript twin that the memory driver runs.
const releaseLua = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`
const releaseIfOwner = defineScript<boolean>({
  name: 'release-if-owner',
  numKeys: 1,
  lua: releaseLua,
  sha1: createHash('sha1').update(releaseLua).digest('hex'),
  run: (redis, [key], [owner]) => (redis.get(key as string) === owner ? redis.del([key as string]) : 0),
  parse: (reply) => reply === 1,
})
const releasedByIntruder = await driver.eval(releaseIfOwner, ['job:42:owner'], ['worker-2'])
const releasedByOwner = await driver.eval(releaseIfOwner, ['job:42:owner'], ['worker-1'])
show('script', `release by worker-2: ${releasedByIntruder}, by worker-1: ${releasedByOwner}`)

// SCAN with a glob pattern, in batches: never KEYS.
await Promise.all(['user:1', 'user:2', 'user:3', 'video:9'].map((key) => driver.set(key, '{}')))
const users: string[] = []
for await (const batch of driver.scan('user:*')) users.push(...batch)
show('scan', `user:* matches ${users.sort().join(', ')}`)

// Publish/subscribe: how cachekit will tell other processes to drop their local copies.
let onMessage: (text: string) => void = () => {}
const received = new Promise<string>((resolve) => (onMessage = resolve))
const unsubscribe = await driver.subscribe('events', (message, channel) => onMessage(`${message} (on ${channel})`))
const receivers = await driver.publish('events', 'video:9 changed')
show('pub/sub', `${receivers} subscriber received: ${await received}`)
await unsubscribe()

// Bad input fails fast with a typed error that links to its explanation.
try {
  await driver.set('', 'no key')
} catch (error) {
  if (!CachekitError.is(error, 'VALIDATION_ERROR')) throw error
  console.log(`refused: ${error.message} (${error.code}, see ${error.docs})`)
}

await driver.close()
show('closed', 'driver closed, timers released')

function show(step: string, text: string): void {
  console.log(`${step.padEnd(8)} ${text}`)
}
