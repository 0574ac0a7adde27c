/**
 * examples/sessions, idempotency, flags and notifications run as a user would run them
 * (`npm run example:<name>`), as child processes; their output is the specification of
 * what docs/sessions.md, docs/idempotency.md, docs/flags.md and docs/notifications.md promise.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

function runExample(name: string): string[] {
  const run = spawnSync('npm', ['run', '--silent', `example:${name}`], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'))).toEqual([])
  expect(run.status).toBe(0)
  return run.stdout.trimEnd().split('\n')
}

describe('app feature examples', () => {
  it('examples/sessions: login, touch, forged tokens, schema, devices, revoke, log out elsewhere, the cap, logout', () => {
    expect(runExample('sessions')).toEqual([
      'login     token is 66 characters: <user tag>.<256 random bits>',
      'request   user user-42 (editor), idle timeout in 30 min',
      'forged    unknown token: null',
      'schema    refused: VALIDATION_ERROR, role is still viewer',
      'devices   3 logged in: laptop, phone, tablet',
      'revoke    tablet still logged in: false',
      'others    1 other session ended; phone: null, this one: true',
      'cap       7 concurrent logins, 5 live sessions',
      'logout    session gone: true',
    ])
  })

  it('examples/idempotency: replays, a retry storm, a conflict, a stored decline and a busy key', () => {
    expect(runExample('idempotency')).toEqual([
      'first     201 {"chargeId":"ch_1","amount":1999,"at":"2024-06-01T10:00:00.000Z"}',
      'retry     201, replayed: true, same charge: ch_1, at is a Date: true',
      'storm     10 requests, statuses 201, charges so far: 2',
      'conflict  422 {"error":"IDEMPOTENCY_CONFLICT"}',
      'declined  402 then 402 {"error":"insufficient funds"}',
      'busy      IDEMPOTENCY_IN_PROGRESS, retry after 30 s',
      'provider  15 payment requests, 3 provider calls, 2 charges',
    ])
  })

  it('examples/flags: defaults, a stable rollout, growth, the kill switch, testers, maintenance, removal', () => {
    expect(runExample('flags')).toEqual([
      'defaults  new-player: false, search-v2: true',
      'rollout   98 of 1000 users, qa-1: true, vip-9: false',
      'grow      487 users at 50 %, all of the first 98 still in: true',
      'kill      user-1: false, qa-1: true, rollout kept: 50 %',
      'allow     testers: qa-1, qa-2',
      'maint     GET /videos -> 503 Back at 14:00 UTC; GET /health -> 200',
      'maint     GET /videos -> 200',
      'remove    search-v2 without a stored state: true (its default)',
    ])
  })

  it('examples/notifications: the unread count, the cached recent list, live events and repair', () => {
    expect(runExample('notifications')).toEqual([
      'badge     2 unread; recent: Your upload finished processing | Ada commented on your video',
      'cached    second page load served from Redis: 2 items, database queries: 1',
      'live      created "Ada commented on your video" (1 unread); created "Your upload finished processing" (2 unread); read (0 unread)',
      'repair    user-2 unread after reconciling with the database: 1',
    ])
  })
})
