/**
 * Recovery after a restart, on a real redis-server of this file's own: the circuit closes
 * when the driver's connection is ready again, not after its cooldown. The cooldown here is
 * 60 s, so a kit that waited for it would still refuse every call when the test ends.
 */
import { describe, expect, it, vi } from 'vitest'
import { CircuitOpenError } from '../../../src/core/errors/index.js'
import { useOutage } from '../../support/outage.js'
import { useKit } from '../../support/use-kit.js'

const outage = useOutage({ driver: { commandTimeoutMs: 300 }, failOnUnhandled: true })
const make = useKit(outage.directTarget, { label: 'recovery', breaker: { failureThreshold: 3, cooldownMs: 60_000 } })

describe('circuit recovery', () => {
  it('closes as soon as the connection to a restarted server is ready, long before the cooldown', async () => {
    const kit = make()
    const states: string[] = []
    kit.events.on('circuit', (event) => states.push(event.state))
    await kit.driver.set('k', 'before')

    await outage.stopServer()
    for (let i = 0; i < 5; i++) await kit.driver.get('k').catch(() => undefined)
    expect(kit.circuit).toBe('open')
    await expect(kit.driver.get('k')).rejects.toBeInstanceOf(CircuitOpenError)

    await outage.startServer()
    // The reconnect (50 ms more per attempt) closes the circuit: no probe, no cooldown.
    await vi.waitFor(() => expect(kit.circuit).toBe('closed'), { timeout: 20_000, interval: 20 })
    await kit.driver.set('k', 'after')
    expect(await kit.driver.get('k')).toBe('after')
    expect(states).toEqual(['open', 'closed'])
  }, 60_000)

  it('a hung server that continues is found by the probe after the cooldown, as before (no reconnect happens)', async () => {
    const kit = make({ breaker: { failureThreshold: 3, cooldownMs: 200 } })
    await kit.driver.set('h', '1')
    await outage.pauseServer()
    await Promise.all(Array.from({ length: 3 }, () => kit.driver.get('h').catch(() => undefined)))
    expect(kit.circuit).toBe('open')
    await outage.resumeServer()
    await vi.waitFor(
      async () => {
        expect(await kit.driver.get('h').catch((error: unknown) => error)).toBe('1')
      },
      { timeout: 20_000, interval: 50 },
    )
    expect(kit.circuit).toBe('closed')
  }, 60_000)
})
