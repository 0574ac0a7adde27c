/**
 * Who the rate-limit middlewares count, through the real frameworks: an attacker who
 * invents a new X-Api-Key, cf-connecting-ip or leading X-Forwarded-For with every request
 * is still one client; IPv6 clients count per /56; a request without a key is an error
 * or an explicit choice, never one bucket shared by everyone; the usual misconfigurations
 * are reported once each as `warning` events. On memory and a real Redis.
 */
import { request as httpRequest } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import 'reflect-metadata'
import { getConnInfo } from '@hono/node-server/conninfo'
import { getRequestListener } from '@hono/node-server'
import { Catch, Controller, HttpException, Module, Post, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import { Test } from '@nestjs/testing'
import express, { type Express } from 'express'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { clientIp as expressClientIp, ipKey, rateLimit as expressRateLimit } from '../../src/adapters/express/index.js'
import {
  clientIp as honoClientIp,
  rateLimit as honoRateLimit,
  type RateLimitOptions as HonoRateLimitOptions,
} from '../../src/adapters/hono/index.js'
import { CachekitModule, RateLimit } from '../../src/adapters/nestjs/index.js'
import { rateLimit as nextRateLimit } from '../../src/adapters/next/index.js'
import type { CachekitWarning } from '../../src/ratelimit/warnings.js'
import { ValidationError } from '../../src/core/errors/index.js'
import { createCachekit } from '../../src/kit.js'
import { startForwardingProxy, type ForwardingProxy } from '../support/forwarding-proxy.js'
import { targets, uniquePrefix, type Target } from '../support/targets.js'
import { listen, type Listening } from './listen.js'

const rateLimits = {
  api: { algorithm: 'fixed-window', limit: 5, window: '1m' },
  other: { algorithm: 'fixed-window', limit: 5, window: '1m' },
} as const

/** What the attacker sends: a new identity in every header a bad key might read. */
function forgedHeaders(index: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'x-forwarded-for': `198.51.100.${index}`,
    'x-api-key': `invented-${index}`,
    'cf-connecting-ip': `203.0.113.${index}`,
    'x-real-ip': `192.0.2.${index}`,
    ...extra,
  }
}

async function attack(url: string, count = 20, extra?: (index: number) => Record<string, string>): Promise<number> {
  let allowed = 0
  for (let index = 1; index <= count; index++) {
    const response = await fetch(url, { method: 'POST', headers: forgedHeaders(index, extra?.(index)) })
    await response.arrayBuffer()
    if (response.ok) allowed++
    else expect(response.status).toBe(429)
  }
  return allowed
}

function makeKit(target: Pick<Target, 'createDriver'>) {
  const kit = createCachekit({ driver: target.createDriver(), prefix: uniquePrefix('rl-keys'), rateLimits })
  const warnings: CachekitWarning[] = []
  kit.events.on('warning', (warning) => warnings.push(warning))
  return { kit, warnings }
}
type Made = ReturnType<typeof makeKit>

const open: Array<{ close(): Promise<void> | void }> = []
afterEach(async () => {
  for (const resource of open.splice(0).reverse()) await resource.close()
})

async function serveExpress(made: Made, build: (app: Express) => void): Promise<Listening> {
  open.push(made.kit)
  const app = express()
  build(app)
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      void res.status(500).json({ error: error.name, message: error.message }),
  )
  const server = await listen(app)
  open.push(server)
  return server
}

async function proxyTo(url: string): Promise<ForwardingProxy> {
  const proxy = await startForwardingProxy(url)
  open.push(proxy)
  return proxy
}

const ok = (_req: express.Request, res: express.Response) => void res.send('ok')

describe.each(targets('memory', 'redis'))('rate-limit keys on $name', (target) => {
  describe('Express', () => {
    it('counts an attacker who forges X-Forwarded-For, X-Api-Key and cf-connecting-ip once, with no proxy trusted: 5 of 20 allowed', async () => {
      const made = makeKit(target)
      const server = await serveExpress(made, (app) => app.post('/api', expressRateLimit(made.kit, { policy: 'api' }), ok))
      expect(await attack(`${server.url}/api`)).toBe(5)
    })

    it('counts the same attacker once behind one real proxy with trust proxy 1: the forged leading entry never counts', async () => {
      const made = makeKit(target)
      const server = await serveExpress(made, (app) => {
        app.set('trust proxy', 1)
        app.post('/api', expressRateLimit(made.kit, { policy: 'api' }), ok)
      })
      const proxy = await proxyTo(server.url)
      expect(await attack(`${proxy.url}/api`)).toBe(5)
      expect(made.warnings).toEqual([])
    })

    it('counts IPv6 clients by /56: addresses of one /56 share a count, another /56 has its own', async () => {
      const made = makeKit(target)
      // The test speaks as the trusted proxy in front of the app: it writes the client's address.
      const server = await serveExpress(made, (app) => {
        app.set('trust proxy', 'loopback')
        app.post('/api', expressRateLimit(made.kit, { policy: 'api' }), ok)
      })
      const oneSubnet = await attack(`${server.url}/api`, 20, (index) => ({
        'x-forwarded-for': `2001:db8:ab:cd${index.toString(16).padStart(2, '0')}::${index}`,
      }))
      expect(oneSubnet).toBe(5)
      expect(await attack(`${server.url}/api`, 1, () => ({ 'x-forwarded-for': '2001:db8:ab:ce00::1' }))).toBe(1)
      const sixtyFour = makeKit(target)
      const perSixtyFour = await serveExpress(sixtyFour, (app) => {
        app.set('trust proxy', 'loopback')
        app.post('/api', expressRateLimit(sixtyFour.kit, { policy: 'api', ipv6Subnet: 64 }), ok)
      })
      expect(await attack(`${perSixtyFour.url}/api`, 6, (index) => ({ 'x-forwarded-for': `2001:db8:ab:cd0${index}::1` }))).toBe(6)
    })

    it('reports X-Forwarded-For without trust proxy, and trust proxy true, once each per kit', async () => {
      const made = makeKit(target)
      const untrusting = await serveExpress(made, (app) => {
        app.post('/api', expressRateLimit(made.kit, { policy: 'api' }), ok)
        app.post('/other', expressRateLimit(made.kit, { policy: 'other' }), ok)
      })
      await attack(`${untrusting.url}/api`, 3)
      await attack(`${untrusting.url}/other`, 3)
      expect(made.warnings).toEqual([
        { code: 'UNTRUSTED_FORWARDED_FOR', message: expect.stringContaining("'trust proxy' is false"), policy: 'api' },
      ])
      expect((await made.kit.monitor.metrics()).events).toContainEqual(
        expect.objectContaining({ type: 'config', severity: 'warning', message: expect.stringMatching(/^UNTRUSTED_FORWARDED_FOR: /) }),
      )

      const permissive = makeKit(target)
      const trusting = await serveExpress(permissive, (app) => {
        app.set('trust proxy', true)
        app.post('/api', expressRateLimit(permissive.kit, { policy: 'api' }), ok)
      })
      // trust proxy true believes the client's first entry: the attacker goes free, and the warning says why.
      expect(await attack(`${trusting.url}/api`, 8)).toBe(8)
      expect(permissive.warnings.map((warning) => warning.code)).toEqual(['PERMISSIVE_TRUST_PROXY'])
    })

    it('reports a hand-written key that counts single IPv6 addresses, once per limiter', async () => {
      const made = makeKit(target)
      const server = await serveExpress(made, (app) => {
        app.set('trust proxy', 'loopback')
        app.post('/api', expressRateLimit(made.kit, { policy: 'api', key: (req) => req.ip }), ok)
        app.post('/other', expressRateLimit(made.kit, { policy: 'other', key: (req) => req.ip }), ok)
        app.post('/grouped', expressRateLimit(made.kit, { policy: 'other', key: (req) => ipKey(expressClientIp(req)) }), ok)
      })
      const ipv6 = (index: number) => ({ 'x-forwarded-for': `2001:db8::${index}` })
      for (const path of ['api', 'api', 'other', 'grouped']) await attack(`${server.url}/${path}`, 2, ipv6)
      expect(made.warnings.map(({ code, policy }) => [code, policy])).toEqual([
        ['UNGROUPED_IPV6_KEY', 'api'],
        ['UNGROUPED_IPV6_KEY', 'other'],
      ])
    })

    it('reports a hand-written key read from an X-Forwarded-For entry no trusted proxy wrote (the old docs key)', async () => {
      const made = makeKit(target)
      const server = await serveExpress(made, (app) =>
        app.post(
          '/api',
          expressRateLimit(made.kit, { policy: 'api', key: (req) => req.get('x-forwarded-for')?.split(',')[0]?.trim() ?? req.ip }),
          ok,
        ),
      )
      await attack(`${server.url}/api`, 3)
      expect(made.warnings.map((warning) => warning.code).sort()).toEqual(['FORGEABLE_KEY', 'UNTRUSTED_FORWARDED_FOR'])
    })

    it('passes a request without a client IP to next(err) as a ValidationError, or lets it through uncounted with onMissingKey allow', async () => {
      // Over a Unix socket, as behind an nginx that proxies to one, Express has no req.ip.
      const made = makeKit(target)
      open.push(made.kit)
      const app = express()
      app.post('/strict', expressRateLimit(made.kit, { policy: 'api' }), ok)
      app.post('/lenient', expressRateLimit(made.kit, { policy: 'other', onMissingKey: 'allow' }), ok)
      app.use(
        (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
          void res.status(500).json({ error: error.name, message: error.message }),
      )
      const directory = mkdtempSync(join(tmpdir(), 'cachekit-rl-'))
      const socketPath = join(directory, 'app.sock')
      const server = app.listen(socketPath)
      await new Promise((resolve) => server.once('listening', resolve))
      open.push({
        close: () => new Promise<void>((resolve) => server.close(() => resolve(rmSync(directory, { recursive: true, force: true })))),
      })

      const strict = await overSocket(socketPath, '/strict')
      expect(strict.status).toBe(500)
      expect(JSON.parse(strict.body)).toEqual({ error: 'ValidationError', message: expect.stringContaining('req.ip is undefined') })
      const lenient = await Promise.all(Array.from({ length: 7 }, () => overSocket(socketPath, '/lenient')))
      expect(lenient.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200, 200])
      expect(lenient[0]?.headers.ratelimit).toBeUndefined()
      expect(made.warnings.map((warning) => warning.code)).toEqual(['CLIENT_IP_UNDEFINED'])
    })

    it('refuses a key function that answers undefined, null or an empty string, instead of one shared bucket', async () => {
      const made = makeKit(target)
      const server = await serveExpress(made, (app) => {
        app.post('/undefined', expressRateLimit(made.kit, { policy: 'api', key: (req) => req.get('x-user') }), ok)
        app.post('/null', expressRateLimit(made.kit, { policy: 'api', key: async () => null }), ok)
        app.post('/empty', expressRateLimit(made.kit, { policy: 'api', key: () => '' }), ok)
      })
      for (const path of ['undefined', 'null', 'empty']) {
        const answer = await fetch(`${server.url}/${path}`, { method: 'POST' })
        expect(answer.status).toBe(500)
        expect(await answer.json()).toEqual({ error: 'ValidationError', message: expect.stringContaining('onMissingKey') })
      }
      expect((await fetch(`${server.url}/undefined`, { method: 'POST', headers: { 'x-user': 'ada' } })).status).toBe(200)
    })
  })

  describe('Hono', () => {
    async function serveHono(made: Made, options: Omit<HonoRateLimitOptions, 'policy'>): Promise<Listening> {
      open.push(made.kit)
      const app = new Hono()
      app.use('/api/*', honoRateLimit(made.kit, { policy: 'api', ...options }))
      app.post('/api/videos', (c) => c.text('ok'))
      app.onError((error, c) => c.json({ error: error.name, message: error.message }, 500))
      const server = await listen(getRequestListener(app.fetch))
      open.push(server)
      return server
    }

    it("counts the attacker once by the platform's peer address (getConnInfo): 5 of 20 allowed", async () => {
      const made = makeKit(target)
      const server = await serveHono(made, { ip: (c) => getConnInfo(c).remote.address })
      expect(await attack(`${server.url}/api/videos`)).toBe(5)
      expect(made.warnings.map((warning) => warning.code)).toEqual(['UNTRUSTED_FORWARDED_FOR'])
    })

    it('counts the attacker once behind one real proxy with trustedHops 1', async () => {
      const made = makeKit(target)
      const server = await serveHono(made, { trustedHops: 1 })
      const proxy = await proxyTo(server.url)
      expect(await attack(`${proxy.url}/api/videos`)).toBe(5)
      expect(made.warnings).toEqual([])
    })

    it('counts IPv6 clients by /56 behind a trusted proxy', async () => {
      const made = makeKit(target)
      const server = await serveHono(made, { trustedHops: 1 })
      expect(
        await attack(`${server.url}/api/videos`, 12, (index) => ({
          'x-forwarded-for': `2001:db8:ab:cd${index.toString(16).padStart(2, '0')}::1`,
        })),
      ).toBe(5)
      expect(await attack(`${server.url}/api/videos`, 1, () => ({ 'x-forwarded-for': '2001:db8:ab:ce00::1' }))).toBe(1)
    })

    it("sends a request without a client IP to onError, or lets it through uncounted with onMissingKey 'allow'", async () => {
      const made = makeKit(target)
      const strict = await serveHono(made, { trustedHops: 1 })
      const refused = await fetch(`${strict.url}/api/videos`, { method: 'POST' })
      expect(refused.status).toBe(500)
      expect(await refused.json()).toMatchObject({ error: 'ValidationError' })
      const lenient = await serveHono(makeKit(target), { trustedHops: 1, onMissingKey: 'allow' })
      const passed = await fetch(`${lenient.url}/api/videos`, { method: 'POST' })
      expect(passed.status).toBe(200)
      expect(passed.headers.get('ratelimit')).toBeNull()
    })

    it('gives clientIp the same address as the default key', async () => {
      const made = makeKit(target)
      open.push(made.kit)
      const app = new Hono()
      app.get('/ip', (c) =>
        c.json({
          hop: honoClientIp(c, { trustedHops: 1 }) ?? null,
          peer: honoClientIp(c, { ip: (c) => getConnInfo(c).remote.address }) ?? null,
        }),
      )
      const server = await listen(getRequestListener(app.fetch))
      open.push(server)
      const answer = await fetch(`${server.url}/ip`, { headers: { 'x-forwarded-for': '6.6.6.6, 2001:db8::1' } })
      expect(await answer.json()).toEqual({ hop: '2001:db8::1', peer: '127.0.0.1' })
    })
  })

  describe('Next.js', () => {
    it('counts the attacker once with trustedHops 1: the forged leading X-Forwarded-For entry never counts', async () => {
      const made = makeKit(target)
      open.push(made.kit)
      const limit = nextRateLimit(made.kit, { policy: 'api', trustedHops: 1 })
      let allowed = 0
      for (let index = 1; index <= 20; index++) {
        // What Vercel or an appending proxy hands the middleware: the client's claim, then the address the proxy saw.
        const headers = { ...forgedHeaders(index), 'x-forwarded-for': `198.51.100.${index}, 203.0.113.50` }
        const answer = await limit(new Request('https://app.example/api/videos', { headers }), () => new Response('ok'))
        if (answer?.status === 200) allowed++
      }
      expect(allowed).toBe(5)
    })

    it('rejects a request without a client IP, or answers onAllowed uncounted with onMissingKey allow', async () => {
      const made = makeKit(target)
      open.push(made.kit)
      const strict = nextRateLimit(made.kit, { policy: 'api', trustedHops: 1 })
      await expect(strict(new Request('https://app.example/api'))).rejects.toBeInstanceOf(ValidationError)
      const lenient = nextRateLimit(made.kit, { policy: 'api', trustedHops: 1, onMissingKey: 'allow' })
      const answer = await lenient(new Request('https://app.example/api'), () => new Response('ok'))
      expect(answer?.status).toBe(200)
      expect(answer?.headers.get('ratelimit')).toBeNull()
    })
  })

  describe('NestJS', () => {
    @Controller()
    class LikesController {
      @Post('like')
      @RateLimit('api')
      like() {
        return { liked: true }
      }

      @Post('lenient')
      @RateLimit('other', { onMissingKey: 'allow' })
      lenient() {
        return { liked: true }
      }
    }

    it('counts an anonymous attacker once by req.ip, and IPv6 clients by /56', async () => {
      const driver = target.createDriver()
      @Module({
        imports: [CachekitModule.forRoot({ driver, prefix: uniquePrefix('nest-keys'), rateLimits })],
        controllers: [LikesController],
      })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile()
      const app = moduleRef.createNestApplication({ logger: false })
      await app.listen(0, '127.0.0.1')
      open.push(app)
      const url = await app.getUrl()
      expect(await attack(`${url}/like`)).toBe(5)

      app.getHttpAdapter().getInstance().set('trust proxy', 'loopback')
      const oneSubnet = await attack(`${url}/like`, 10, (index) => ({ 'x-forwarded-for': `2001:db8:ab:cd0${index % 10}::${index}` }))
      expect(oneSubnet).toBe(5)
    })

    it("refuses a request with no user and no req.ip (a Unix socket) instead of counting it as 'unknown', unless onMissingKey is 'allow'", async () => {
      const warnings: CachekitWarning[] = []
      const kit = createCachekit({ driver: target.createDriver(), prefix: uniquePrefix('nest-keys'), rateLimits })
      kit.events.on('warning', (warning) => warnings.push(warning))
      @Module({ imports: [CachekitModule.forRoot({ kit })], controllers: [LikesController] })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile()
      const app = moduleRef.createNestApplication({ logger: false })
      const caught: unknown[] = []
      @Catch()
      class Recorder implements ExceptionFilter {
        catch(exception: unknown, host: ArgumentsHost) {
          caught.push(exception)
          const status = exception instanceof HttpException ? exception.getStatus() : 500
          host
            .switchToHttp()
            .getResponse<express.Response>()
            .status(status)
            .json({ error: (exception as Error).name })
        }
      }
      app.useGlobalFilters(new Recorder())
      const directory = mkdtempSync(join(tmpdir(), 'cachekit-nest-'))
      const socketPath = join(directory, 'app.sock')
      await app.listen(socketPath)
      open.push({ close: () => rmSync(directory, { recursive: true, force: true }) }, kit, app)
      const refused = await overSocket(socketPath, '/like')
      expect(refused.status).toBe(500)
      expect(caught).toEqual([expect.any(ValidationError)])
      expect((caught[0] as Error).message).toContain('req.ip is undefined')
      const lenient = await Promise.all(Array.from({ length: 7 }, () => overSocket(socketPath, '/lenient')))
      expect(lenient.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201, 201, 201])
      expect(warnings.map((warning) => warning.code)).toEqual(['CLIENT_IP_UNDEFINED'])
    })
  })
})

describe('rate-limit key options at setup', () => {
  it('refuses a key that is not a function, a bad onMissingKey, ipv6Subnet or trustedHops, and a Fetch middleware that cannot tell clients apart', async () => {
    const kit = createCachekit({ rateLimits })
    expect(() => expressRateLimit(kit, { policy: 'api', key: 'ip' as never })).toThrow(ValidationError)
    expect(() => expressRateLimit(kit, { policy: 'api', onMissingKey: 'shared' as never })).toThrow(ValidationError)
    expect(() => expressRateLimit(kit, { policy: 'api', ipv6Subnet: 16 })).toThrow(ValidationError)
    expect(() => honoRateLimit(kit, { policy: 'api', trustedHops: -1 })).toThrow(ValidationError)
    expect(() => honoRateLimit(kit, { policy: 'api' })).toThrow(/pass ip .* or trustedHops/)
    expect(() => nextRateLimit(kit, { policy: 'api' })).toThrow(ValidationError)
    expect(() => RateLimit('api', { onMissingKey: 'deny' as never })).toThrow(ValidationError)
    expect(() => expressRateLimit(kit, { policy: 'api' })).not.toThrow()
    await kit.close()
  })
})

function overSocket(
  socketPath: string,
  path: string,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ socketPath, path, method: 'POST' }, (answer) => {
      let body = ''
      answer.setEncoding('utf8')
      answer.on('data', (chunk: string) => (body += chunk))
      answer.once('end', () => resolve({ status: answer.statusCode ?? 0, body, headers: answer.headers }))
    })
    outgoing.once('error', reject)
    outgoing.end()
  })
}
