import { describe, expect, it } from 'vitest'
import { CommandError, ValidationError } from '../../../src/core/errors/index.js'
import { memoryDriver } from '../../../src/drivers/memory/index.js'
import { resilientDriver } from '../../../src/drivers/resilient.js'

// Outage failures (timeouts, dead connections) are tested through a real broken network in
// test/cache/failure-policy.test.ts; here: what must never open the circuit.
describe('resilientDriver', () => {
  it('never opens the circuit for refused commands or bad input: the server is alive', async () => {
    const driver = resilientDriver(memoryDriver(), { failureThreshold: 2 })
    await driver.set('text', 'v')
    for (let i = 0; i < 5; i++) {
      await expect(driver.hget('text', 'f')).rejects.toBeInstanceOf(CommandError)
      await expect(driver.get('')).rejects.toBeInstanceOf(ValidationError)
    }
    expect(driver.circuit).toBe('closed')
    expect(await driver.get('text')).toBe('v')
    await driver.close()
  })

  it('passes every contract call through unchanged while closed', async () => {
    const driver = resilientDriver(memoryDriver())
    await driver.zadd('z', [{ member: 'a', score: 1 }])
    expect(await driver.zrangeWithScores('z', 0, -1)).toEqual([{ member: 'a', score: 1 }])
    expect(driver.name).toBe('memory')
    expect(driver.capabilities.scripting).toBe('emulated')
    const batches: string[][] = []
    for await (const batch of driver.scan('*')) batches.push(batch)
    expect(batches.flat()).toEqual(['z'])
    await driver.close()
  })
})
