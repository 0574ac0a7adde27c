import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CrossSlotError } from '../../../src/core/errors/index.js'
import { hashSlot } from '../../../src/core/slot.js'
import type { Driver } from '../../../src/drivers/driver.js'
import { ioredisDriver } from '../../../src/drivers/ioredis/index.js'
import { setAllScript } from '../../../src/testing/scripts.js'
import { testPrefix } from '../../support/raw-redis.js'
import { waitUntil } from '../../support/redis-process.js'

// The shared local 3-master cluster from global-setup (test/support/redis-cluster.ts).
const nodes = inject('clusterNodes')
let driver: Driver
let admin: Cluster

beforeAll(async () => {
  driver = ioredisDriver({ cluster: nodes, onHandlerError: () => undefined })
  admin = new Cluster(nodes, { redisOptions: { protocol: 2 } })
  await admin.ping()
})

afterAll(async () => {
  await driver.close()
  await admin.quit()
})

/** Keys spread so that every master owns at least one. */
function spreadKeys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`)
}

/** How many masters hold at least one of `keys`, asking each node directly (one key per EXISTS: slots differ). */
async function mastersHolding(keys: string[]): Promise<number> {
  const counts = await Promise.all(
    admin.nodes('master').map(async (node) => {
      const owned = keys.filter((key) => admin.slots[hashSlot(key)]?.[0] === `${node.options.host}:${node.options.port}`)
      const found = await Promise.all(owned.map((key) => node.call('exists', key) as Promise<number>))
      return found.reduce((total, count) => total + count, 0)
    }),
  )
  return counts.filter((count) => count > 0).length
}

describe('ioredis driver on a Redis Cluster', () => {
  it('declares the cluster capability', () => {
    expect(driver.capabilities).toEqual({ cluster: true, pubsub: true, scripting: 'lua' })
  })

  it('reads, counts and deletes keys over many slots, answering in the order asked', async () => {
    const keys = spreadKeys(testPrefix('routing'), 30)
    await Promise.all(keys.map((key, i) => driver.set(key, `v${i}`)))
    expect(await mastersHolding(keys)).toBe(3)
    const missing = `${testPrefix('missing')}x`
    const asked = [keys[29], missing, ...keys.slice(0, 29), keys[0]] as string[]
    expect(await driver.mget(asked)).toEqual(['v29', null, ...keys.slice(0, 29).map((_, i) => `v${i}`), 'v0'])
    expect(await driver.exists([...keys, keys[0] as string, missing])).toBe(31)
    expect(await driver.del([...keys, missing])).toBe(30)
    expect(await driver.exists(keys)).toBe(0)
  })

  it('scans every master, in non-empty batches', async () => {
    const prefix = testPrefix('scan')
    const keys = spreadKeys(prefix, 40)
    await Promise.all(keys.map((key) => driver.set(key, 'v')))
    expect(await mastersHolding(keys)).toBe(3)
    const batches: string[][] = []
    for await (const batch of driver.scan(`${prefix}*`, { count: 7 })) batches.push(batch)
    expect(batches.every((batch) => batch.length > 0)).toBe(true)
    expect(new Set(batches.flat())).toEqual(new Set(keys))
    await driver.del(keys)
  })

  it('scans a pattern with a literal hash tag on the one master that owns its slot', async () => {
    // A named connection lets CLIENT LIST on each master show what this driver last ran there.
    const connectionName = `ck-tag-scan-${testPrefix('n').slice(7, 15)}`
    const own = ioredisDriver({ cluster: nodes, clusterOptions: { redisOptions: { connectionName } } })
    const tag = `{${testPrefix('tag')}}`
    const tagged = Array.from({ length: 10 }, (_, i) => `${tag}:${i}`)
    const elsewhere = spreadKeys(`${testPrefix('other')}:`, 10)
    await Promise.all([...tagged, ...elsewhere].map((key) => own.set(key, 'v')))
    const found: string[] = []
    for await (const batch of own.scan(`${tag}:*`, { count: 3 })) found.push(...batch)
    expect(found.sort()).toEqual([...tagged].sort())

    const owner = admin.slots[hashSlot(tag)]?.[0]
    for (const node of admin.nodes('master')) {
      const clients = ((await node.call('client', 'list')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${connectionName} `))
      const scanned = clients.some((line) => / cmd=scan /.test(line))
      expect(scanned).toBe(`${node.options.host}:${node.options.port}` === owner)
    }
    await own.del([...tagged, ...elsewhere])
    await own.close()
  })

  it('refuses a script over several slots with CrossSlotError before sending it', async () => {
    const keys = spreadKeys(testPrefix('cross'), 4)
    const error = await driver.eval(setAllScript, keys, ['v']).then(
      () => undefined,
      (reason: unknown) => reason,
    )
    expect(error).toBeInstanceOf(CrossSlotError)
    expect((error as CrossSlotError).keys).toEqual(keys)
    expect(await driver.exists(keys)).toBe(0)
    const tag = `{${testPrefix('same')}}`
    expect(await driver.eval(setAllScript, [`${tag}a`, `${tag}b`], ['v'])).toBe(2)
    expect(await driver.del([`${tag}a`, `${tag}b`])).toBe(2)
  })

  it('delivers published messages in order and stops after unsubscribe', async () => {
    const channel = `${testPrefix('chan')}c`
    const received: string[] = []
    const unsubscribe = await driver.subscribe(channel, (message) => received.push(message))
    const messages = Array.from({ length: 20 }, (_, i) => `m${i}`)
    for (const message of messages) await driver.publish(channel, message)
    await waitUntil(() => received.length === 20, 'twenty messages')
    expect(received).toEqual(messages)
    await unsubscribe()
    await driver.publish(channel, 'late')
    const marker = `${testPrefix('marker')}c`
    const markers: string[] = []
    const stopMarker = await driver.subscribe(marker, (message) => markers.push(message))
    await driver.publish(marker, 'sync')
    await waitUntil(() => markers.length === 1, 'the marker')
    await stopMarker()
    expect(received).toEqual(messages)
  })

  it('reports INFO of every master, each under a node header', async () => {
    const info = await driver.info('memory')
    const headers = info.split('\r\n').filter((line) => line.startsWith('# Node '))
    expect(headers.sort()).toEqual(nodes.map(({ host, port }) => `# Node ${host}:${port}`).sort())
    expect(info.match(/^used_memory:\d+\r?$/gm)).toHaveLength(3)
  })

  it('leaves a Cluster client the user owns open after close', async () => {
    const client = new Cluster(nodes)
    const own = ioredisDriver({ client })
    const key = `${testPrefix('owned')}k`
    await own.set(key, 'v')
    await own.close()
    expect(await client.get(key)).toBe('v')
    expect(client.status).toBe('ready')
    await client.del(key)
    await client.quit()
  })
})
