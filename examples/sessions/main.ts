/**
 * Server-side sessions on the in-memory driver: `npm run example:sessions`. Swap in
 * `ioredisDriver({ url })` or `upstashDriver({ url, token })` and every process shares
 * them. Every snippet in docs/sessions.md is copied from this file, which CI runs.
 */
import { createCachekit, ValidationError } from 'cachekit'
import { z } from 'zod'

const kit = createCachekit({
  prefix: 'app',
  sessions: { ttl: '30m', absoluteTtl: '7d', maxPerUser: 5 },
})

// Check session data with a schema: writes are refused when it does not fit, and `data` is typed.
const SessionData = z.object({ role: z.enum(['viewer', 'editor']), device: z.string() })
const sessions = kit.sessions.withSchema(SessionData)

// Log in: the token is the only credential. Put it in an HttpOnly, Secure, SameSite cookie.
const token = await sessions.create('user-42', { role: 'editor', device: 'laptop' })
show('login', `token is ${token.length} characters: <user tag>.<256 random bits>`)

// On each request: touch() validates the token and slides the idle timeout, in one round trip.
const session = await sessions.touch(token)
if (session === null) throw new Error('log in again')
show('request', `user ${session.userId} (${session.data.role}), idle timeout in ${Math.round((session.expiresAt - session.lastSeenAt) / 60_000)} min`)

// A token that was never issued, expired or was revoked is simply no session.
show('forged', `unknown token: ${await sessions.get(`${token.slice(0, 23)}${'A'.repeat(43)}`)}`)

// update() replaces the data and keeps the expiry.
await sessions.update(token, { ...session.data, role: 'viewer' })
try {
  await sessions.update(token, { role: 'admin', device: 'laptop' } as never)
} catch (error) {
  if (!(error instanceof ValidationError)) throw error
  show('schema', `refused: ${error.code}, role is still ${(await sessions.get(token))?.data.role}`)
}

// "Your devices": list() shows handles (public ids), never tokens; revoke() ends one device.
const phone = await sessions.create('user-42', { role: 'viewer', device: 'phone' })
const tablet = await sessions.create('user-42', { role: 'viewer', device: 'tablet' })
const devices = await sessions.list('user-42')
show('devices', `${devices.length} logged in: ${devices.map((device) => device.data.device).sort().join(', ')}`)
const tabletSession = devices.find((device) => device.data.device === 'tablet')
await sessions.revoke('user-42', tabletSession?.handle ?? '')
show('revoke', `tablet still logged in: ${(await sessions.get(tablet)) !== null}`)

// After a password change: log out of every other device, keep the current one.
const ended = await sessions.destroyAll('user-42', { except: token })
show('others', `${ended} other session ended; phone: ${await sessions.get(phone)}, this one: ${(await sessions.get(token)) !== null}`)

// The per-user cap (maxPerUser: 5): each login beyond it evicts the session closest to
// expiring, in the same atomic step, so racing logins never exceed it.
const logins = await Promise.all(Array.from({ length: 7 }, (_, index) => kit.sessions.create('user-7', { login: index })))
const live = (await Promise.all(logins.map((login) => kit.sessions.get(login)))).filter((found) => found !== null)
show('cap', `7 concurrent logins, ${live.length} live sessions`)

// Log out.
await sessions.destroy(token)
show('logout', `session gone: ${(await sessions.get(token)) === null}`)

await kit.close()

function show(step: string, text: string): void {
  console.log(`${step.padEnd(10)}${text}`)
}
