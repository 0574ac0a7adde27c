/**
 * The unread-count pattern on the in-memory driver: `npm run example:notifications`.
 * The database stays the source of truth; Redis keeps what every page load asks for
 * (the unread count, the recent list) and carries the live event. Swap in
 * `ioredisDriver({ url })` and the badge, the list and the live updates are shared by
 * every process. Every snippet in docs/notifications.md is copied from this file, which
 * CI runs.
 */
import { createCachekit, defineChannel, defineKeys, typed } from 'cachekit'
import { z } from 'zod'

interface Notification {
  id: string
  userId: string
  text: string
  createdAt: Date
  read: boolean
}

/** A stand-in for the notifications table. */
const db = {
  rows: [] as Notification[],
  queries: 0,
  async insert(notification: Notification): Promise<void> {
    this.rows.push(notification)
  },
  async recent(userId: string, limit: number): Promise<Notification[]> {
    this.queries++
    return this.rows.filter((row) => row.userId === userId).slice(-limit).reverse()
  },
  async countUnread(userId: string): Promise<number> {
    this.queries++
    return this.rows.filter((row) => row.userId === userId && !row.read).length
  },
  async markAllRead(userId: string): Promise<void> {
    for (const row of this.rows) if (row.userId === userId) row.read = true
  },
}

const keys = defineKeys({
  recentNotifications: { template: 'notifications:recent:{userId}', ttl: '5m', value: typed<Notification[]>() },
})
const kit = createCachekit({ prefix: 'app', keys })

// 1. The unread count: a counter per user, changed on create and on read.
const unread = kit.counters.family('notifications:unread')

// 2. The live event: a typed channel per user. Subscribers never see a malformed event.
const NotificationEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('created'), id: z.string(), text: z.string(), unread: z.number() }),
  z.object({ type: z.literal('read'), unread: z.literal(0) }),
])
const notificationEvents = defineChannel('notifications', NotificationEvent)

// Creating a notification: write the row, count it, drop the cached list, tell the user's open tabs.
async function notify(userId: string, text: string): Promise<void> {
  const notification = { id: crypto.randomUUID(), userId, text, createdAt: new Date(), read: false }
  await db.insert(notification)
  const count = await unread.incr(userId)
  await kit.cache.delete(keys.recentNotifications({ userId }))
  await kit.channels.publish(notificationEvents.of(userId), { type: 'created', id: notification.id, text, unread: count })
}

// Every page load: the badge is one counter read, the dropdown one cache read.
async function notificationBadge(userId: string): Promise<{ unread: number; recent: Notification[] }> {
  const [count, recent] = await Promise.all([
    unread.get(userId),
    kit.cache.getOrSet(keys.recentNotifications({ userId }), () => db.recent(userId, 20)),
  ])
  return { unread: count, recent }
}

// Marking all as read: the database first, then the counter, then the open tabs.
async function markAllRead(userId: string): Promise<void> {
  await db.markAllRead(userId)
  await unread.reset(userId)
  await kit.channels.publish(notificationEvents.of(userId), { type: 'read', unread: 0 })
}

// If Redis lost the counter (a flush, a failover), rebuild it from the database.
async function reconcileUnread(userId: string): Promise<void> {
  const actual = await db.countUnread(userId)
  await unread.reset(userId)
  if (actual > 0) await unread.incr(userId, actual)
}

// A server-sent-events endpoint subscribes for the user it serves, and unsubscribes on disconnect.
const sent: string[] = []
const stopStreaming = await kit.channels.subscribe(notificationEvents.of('user-1'), (event) => {
  sent.push(event.type === 'created' ? `created "${event.text}" (${event.unread} unread)` : 'read (0 unread)')
})

await notify('user-1', 'Ada commented on your video')
await notify('user-1', 'Your upload finished processing')
await notify('user-2', 'Someone else’s news')
const badge = await notificationBadge('user-1')
const again = await notificationBadge('user-1')
show('badge', `${badge.unread} unread; recent: ${badge.recent.map((notification) => notification.text).join(' | ')}`)
show('cached', `second page load served from Redis: ${again.recent.length} items, database queries: ${db.queries}`)

await markAllRead('user-1')
await waitFor(() => sent.length === 3)
show('live', sent.join('; '))
await stopStreaming()

await unread.reset('user-2') // simulate a lost counter
await reconcileUnread('user-2')
show('repair', `user-2 unread after reconciling with the database: ${await unread.get('user-2')}`)

await kit.close()

function show(step: string, text: string): void {
  console.log(`${step.padEnd(10)}${text}`)
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1))
}
