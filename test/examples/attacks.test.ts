/**
 * Examples attacked as they ship: test/examples/attacks/*.ts import an example unchanged,
 * serve it on a loopback port and send what an attacker would, as child processes under
 * tsx (how the examples run), on the memory driver and on a real Redis.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

function runAttack(name: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'test', 'examples', 'attacks', `${name}.ts`)], {
      cwd: root,
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.once('error', reject)
    child.once('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })
}

// Database 5 of the shared server: the example's fixed prefix is also used by
// test/examples/adapters.test.ts, whose `kit.cache.clear()` must not meet this run.
const drivers = [
  { driver: 'memory', env: () => ({}) },
  { driver: 'redis', env: () => ({ REDIS_URL: `${inject('redisUrl')}/5` }) },
]

describe.concurrent('examples under attack', () => {
  it.each(drivers)(
    "examples/nestjs on $driver: an anonymous /me/feed?page=N:user:ada never meets ada's entry",
    async ({ env }) => {
      const run = await runAttack('nestjs-feed', env())
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      expect(run.stdout.trimEnd().split('\n')).toEqual([
        'read      ada: ada (MISS); anonymous /me/feed?page=N:user:ada: anonymous (MISS)',
        'plant     anonymous /me/feed?page=N:user:ada: anonymous (MISS); then ada: ada (MISS)',
      ])
    },
    90_000,
  )
})
