/**
 * adminRouter mounted in a real Express app over real HTTP: the admin handler behind
 * Express's own authorization, at the mount path, with and without a JSON body parser.
 */
import express from 'express'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { adminRouter } from '../../src/adapters/express/index.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit, type Cachekit } from '../../src/kit.js'
import { targets, uniquePrefix } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

describe.each(targets('memory', 'redis'))('adminRouter on $name', ({ createDriver }) => {
  let kit: Cachekit
  let server: Listening
  afterEach(async () => {
    await server?.close()
    await kit?.close()
  })

  async function serve(parseJson: boolean) {
    kit = createCachekit({ driver: createDriver(), prefix: uniquePrefix('admin') })
    const app = express()
    if (parseJson) app.use(express.json())
    app.use('/admin/cache', adminRouter(kit, { authorize: (req) => req.get('authorization') === 'Bearer s3cret' }))
    server = await listen(app)
    return server.server
  }

  it('serves health to an authorized request at the mount path, and refuses others', async () => {
    const http = await serve(false)
    const health = await request(http).get('/admin/cache/health').set('Authorization', 'Bearer s3cret')
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({ status: 'healthy', circuit: 'closed' })
    const refused = await request(http).get('/admin/cache/health')
    expect(refused.status).toBeGreaterThanOrEqual(401)
    expect(refused.status).toBeLessThanOrEqual(403)
    const dashboard = await request(http).get('/admin/cache/').set('Authorization', 'Bearer s3cret')
    expect(dashboard.headers['content-type']).toMatch(/^text\/html/)
  })

  it.each([false, true])('invalidates a key with a same-origin JSON POST (body parser before it: %s)', async (parseJson) => {
    const http = await serve(parseJson)
    await kit.cache.set('video:1', { id: 1 }, { ttl: '1m' })
    const origin = server.url
    const response = await request(http)
      .post('/admin/cache/invalidate')
      .set('Authorization', 'Bearer s3cret')
      .set('Origin', origin)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ key: 'video:1' }))
    expect(response.status).toBe(200)
    expect(await kit.cache.get('video:1')).toBeUndefined()
  })
})

describe('adminRouter setup', () => {
  it('refuses to be created without authorize', () => {
    expect(() => adminRouter(createCachekit(), {} as never)).toThrow(ValidationError)
  })
})
