/**
 * Feature flags on the in-memory driver: `npm run example:flags`. Swap in
 * `ioredisDriver({ url })` or `upstashDriver({ url, token })` and a change reaches every
 * process at once (pub/sub). Every snippet in docs/flags.md is copied from this file,
 * which CI runs.
 */
import { createCachekit } from 'cachekit'

const kit = createCachekit({
  prefix: 'app',
  flags: { defaults: { 'new-player': false, 'search-v2': true, maintenance: false } },
})

// Load once at startup; from then on every check is synchronous, from memory.
await kit.flags.load()
show('defaults', `new-player: ${kit.flags.isEnabled('new-player')}, search-v2: ${kit.flags.isEnabled('search-v2')}`)

// A percentage rollout, with testers who always get it and a customer who never does.
await kit.flags.set('new-player', { enabled: true, percentage: 10, allow: ['qa-1'], deny: ['vip-9'] })
const users = Array.from({ length: 1_000 }, (_, index) => `user-${index}`)
const atTen = users.filter((userId) => kit.flags.isEnabled('new-player', { userId }))
show('rollout', `${atTen.length} of ${users.length} users, qa-1: ${kit.flags.isEnabled('new-player', { userId: 'qa-1' })}, vip-9: ${kit.flags.isEnabled('new-player', { userId: 'vip-9' })}`)

// Growing the rollout keeps everyone who already had the feature.
await kit.flags.update('new-player', { percentage: 50 })
const atFifty = new Set(users.filter((userId) => kit.flags.isEnabled('new-player', { userId })))
show('grow', `${atFifty.size} users at 50 %, all of the first ${atTen.length} still in: ${atTen.every((userId) => atFifty.has(userId))}`)

// The kill switch: off for everyone but the allow list, rollout kept for when it comes back.
await kit.flags.disable('new-player')
show('kill', `user-1: ${kit.flags.isEnabled('new-player', { userId: 'user-1' })}, qa-1: ${kit.flags.isEnabled('new-player', { userId: 'qa-1' })}, rollout kept: ${kit.flags.get('new-player')?.percentage} %`)

// Adding a tester without losing a concurrent change: update() with a function retries on conflict.
await kit.flags.update('new-player', (flag) => ({ enabled: flag?.enabled ?? false, percentage: flag?.percentage, allow: [...(flag?.allow ?? []), 'qa-2'] }))
show('allow', `testers: ${kit.flags.get('new-player')?.allow.join(', ')}`)

// Maintenance mode, checked by a middleware on every request.
function maintenanceMiddleware(path: string): { status: number; body: string } {
  const maintenance = kit.flags.maintenance()
  if (maintenance.enabled && path !== '/health') return { status: 503, body: maintenance.message ?? 'Down for maintenance' }
  return { status: 200, body: 'ok' }
}
await kit.flags.setMaintenance(true, 'Back at 14:00 UTC')
show('maint', `GET /videos -> ${maintenanceMiddleware('/videos').status} ${maintenanceMiddleware('/videos').body}; GET /health -> ${maintenanceMiddleware('/health').status}`)
await kit.flags.setMaintenance(false)
show('maint', `GET /videos -> ${maintenanceMiddleware('/videos').status}`)

// Removing a flag's state falls back to its declared default.
await kit.flags.remove('search-v2')
show('remove', `search-v2 without a stored state: ${kit.flags.isEnabled('search-v2')} (its default)`)

await kit.close()

function show(step: string, text: string): void {
  console.log(`${step.padEnd(10)}${text}`)
}
