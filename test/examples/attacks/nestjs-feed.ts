/**
 * examples/nestjs, unchanged, attacked over HTTP: an anonymous URL that spells ada's key
 * (`/me/feed?page=N:user:ada`), in both directions. Prints what each side got; run by
 * test/examples/attacks.test.ts on the memory driver and on Redis (REDIS_URL).
 */
import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import { AppModule } from '../../../examples/nestjs/app.module'

const app = await NestFactory.create(AppModule, { logger: false })
await app.listen(0, '127.0.0.1')
const base = (await app.getUrl()).replace('[::1]', '127.0.0.1')
const feed = async (path: string, user?: string) => {
  const response = await fetch(`${base}${path}`, { headers: user ? { authorization: `Bearer ${user}` } : {} })
  return `${(await response.json()).for} (${response.headers.get('x-cache')})`
}
// Pages of their own, so a run on a shared Redis never meets an earlier run's entries.
const [first, second] = [1, 2].map(() => Math.floor(Math.random() * 1e9))

const ada = await feed(`/me/feed?page=${first}`, 'ada')
const attacker = await feed(`/me/feed?page=${first}:user:ada`)
console.log(`read      ada: ${ada}; anonymous /me/feed?page=N:user:ada: ${attacker}`)

const planted = await feed(`/me/feed?page=${second}:user:ada`)
const victim = await feed(`/me/feed?page=${second}`, 'ada')
console.log(`plant     anonymous /me/feed?page=N:user:ada: ${planted}; then ada: ${victim}`)

await app.close()
