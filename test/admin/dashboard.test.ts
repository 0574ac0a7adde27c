/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core), fed by
 * a kit on a real redis-server with a 4 MB maxmemory: the gauges must render the real
 * figures, the page must load nothing from outside, and its strict CSP must hold.
 * With UPDATE_DOCS_SCREENSHOT=1 it rewrites docs/images/dashboard.png, the screenshot
 * docs/operations.md shows; otherwise the screenshot goes to a temporary folder.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdminHandler } from '../../src/admin/index.js'
import { ioredisDriver } from '../../src/drivers/ioredis/index.js'
import { defineKeys } from '../../src/keys/index.js'
import { createCachekit } from '../../src/kit.js'
import { available, CHROMIUM as CHROMIUM_PREREQUISITE } from '../support/prerequisites.js'
import { startRedisProcess, type RedisProcess } from '../support/redis-process.js'
import { serveFetch, type FetchServer } from './fetch-server.js'

const CHROMIUM = CHROMIUM_PREREQUISITE.path
// Without Chromium (and outside CI) the whole file is skipped, with the reason printed.
const RUNS = available(CHROMIUM_PREREQUISITE)
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
const TOKEN = 'dashboard-test-token'
const SCREENSHOT =
  process.env.UPDATE_DOCS_SCREENSHOT === '1'
    ? join(import.meta.dirname, '..', '..', 'docs', 'images', 'dashboard.png')
    : join(tmpdir(), `cachekit-dashboard-${process.pid}.png`)

const keys = defineKeys({
  board: { template: 'kanban:board:{project}:{team}', ttl: '5m', priority: 'high' },
  project: { template: 'kanban:project:{id}', ttl: '10m' },
  analytics: { template: 'analytics:{report}', ttl: '1m', priority: 'low' },
})

let redis: RedisProcess
let kit: ReturnType<typeof createCachekit<typeof keys>>
let server: FetchServer
let browser: Browser
let page: Page
const externalRequests: string[] = []
const cspViolations: string[] = []

beforeAll(async () => {
  if (!RUNS) return
  redis = await startRedisProcess({ args: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'] })
  // The first calls wait for the connection; on a loaded 2-core machine that can lift p99 past
  // the default 100 ms line and turn the status pill amber. The latency line is not under test here.
  kit = createCachekit({
    driver: ioredisDriver({ url: redis.url }),
    prefix: 'app',
    environment: 'prod',
    keys,
    guard: { interval: '1h' },
    health: { p99LatencyMs: 5000 },
  })
  // Real traffic: boards hit often, projects sometimes, analytics rarely.
  for (let round = 0; round < 6; round++) {
    for (let project = 0; project < 20; project++)
      await kit.cache.getOrSet(keys.board({ project, team: 'core' }), () => ({ columns: 'x'.repeat(2000) }))
    for (let id = 0; id < 10 + round * 3; id++) await kit.cache.getOrSet(keys.project({ id }), () => ({ id, name: `Project ${id}` }))
    await kit.cache.getOrSet(keys.analytics({ report: `r${round}` }), () => ({ rows: 'y'.repeat(20_000) }))
  }
  const denials = { login: 3, api: 12 }
  kit.monitor.register({
    name: 'app_ratelimit_requests_total',
    help: 'Requests seen by the rate limiter, by policy and outcome.',
    type: 'counter',
    labelNames: ['policy', 'outcome'],
    collect: () => [
      { labels: { policy: 'login', outcome: 'denied' }, value: denials.login },
      { labels: { policy: 'login', outcome: 'allowed' }, value: 40 },
      { labels: { policy: 'api', outcome: 'denied' }, value: denials.api },
      { labels: { policy: 'api', outcome: 'allowed' }, value: 900 },
    ],
  })
  await kit.guard.check()
  server = await serveFetch(
    createAdminHandler(kit, {
      authorize: (request) => request.headers.get('authorization') === `Bearer ${TOKEN}`,
      basePath: '/admin/cache',
      refreshMs: 1000,
      title: 'Kanban cache',
    }),
  )
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1100 },
    extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
  })
  page = await context.newPage()
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url)) externalRequests.push(request.url())
  })
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text())
  })
  await page.goto(`${server.url}/admin/cache/`)
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 15_000 })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await kit?.close()
  await redis?.stop()
})

describe.runIf(RUNS)('the dashboard in Chromium', () => {
  it('shows the memory gauge with the real used memory and limit of the server', async () => {
    const metrics = await kit.monitor.metrics()
    const ratio = metrics.memory?.ratio as number
    expect(ratio).toBeGreaterThan(0.2)
    expect(await page.textContent('#memory-limit')).toBe('4.0 MB')
    expect(await page.textContent('#memory-source')).toBe('maxmemory')
    const shown = Number((await page.textContent('#memory-percent'))?.replace('%', ''))
    expect(Math.abs(shown - ratio * 100)).toBeLessThan(15)
    const dash = (await page.getAttribute('#memory-arc', 'stroke-dasharray'))?.split(' ').map(Number) ?? []
    expect((dash[0] ?? 0) / (dash[1] ?? 1)).toBeCloseTo(shown / 100, 2)
    expect(await page.textContent('#memory-policy')).toBe('allkeys-lru')
  })

  it('shows the hit rate overall and per key family', async () => {
    const totals = (await kit.monitor.metrics()).cache.totals
    expect(await page.textContent('#hit-percent')).toBe(`${((totals.hitRate ?? 0) * 100).toFixed(1)}%`)
    const rows = await page.$$eval('#families tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-family'), tr.lastElementChild?.textContent]),
    )
    expect(rows.map((row) => row[0])).toEqual(['analytics', 'board', 'project'])
    const stats = kit.cache.stats()
    expect(rows.find((row) => row[0] === 'board')?.[1]).toBe(`${((stats.board?.hitRate ?? 0) * 100).toFixed(1)}%`)
    expect(await page.$eval('#families tr[data-family="analytics"] .bar span', (span) => span.className)).toBe('low')
  })

  it('shows the guard state, the rate-limit denials and the server figures', async () => {
    expect(await page.textContent('#guard-state')).toBe('ok')
    expect(await page.textContent('#guard-warn')).toBe('80.0%')
    const limits = await page.$$eval('#ratelimits tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)))
    expect(limits).toEqual([
      ['api', '12', '900'],
      ['login', '3', '40'],
    ])
    expect(await page.textContent('#server')).toMatch(/^redis \d+\.\d+/)
    expect(await page.textContent('#status')).toBe('healthy')
  })

  it('lists recent events as they happen, refreshing by itself', async () => {
    kit.monitor.logEvent('deploy', 'deployed build 42', 'info')
    await page.waitForFunction(() => document.getElementById('events')?.textContent?.includes('deployed build 42'), undefined, {
      timeout: 10_000,
    })
  })

  it('invalidates a key from its form with a same-origin POST', async () => {
    await kit.cache.set(keys.project({ id: 999 }), { id: 999, name: 'Doomed' })
    await page.selectOption('#invalidate-kind', 'key')
    await page.fill('#invalidate-value', 'kanban:project:999')
    await page.click('#invalidate-form button')
    await page.waitForFunction(() => document.getElementById('invalidate-result')?.textContent?.includes('"deleted":1'), undefined, {
      timeout: 10_000,
    })
    expect(await kit.cache.get(keys.project({ id: 999 }))).toBeUndefined()
  })

  it('loads nothing from outside and violates no CSP rule', () => {
    expect(externalRequests).toEqual([])
    expect(cspViolations).toEqual([])
  })

  it('renders the gauges in its screenshot: colored arcs in proportion to the figures', async () => {
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    const memoryShot = (await page.locator('#memory-panel svg').screenshot()).toString('base64')
    const hitShot = (await page.locator('#hit-panel svg').screenshot()).toString('base64')
    const counter = await browser.newPage()
    try {
      const count = (png: string) =>
        counter.evaluate(async (data) => {
          const image = new Image()
          image.src = `data:image/png;base64,${data}`
          await image.decode()
          const canvas = document.createElement('canvas')
          canvas.width = image.width
          canvas.height = image.height
          const context = canvas.getContext('2d') as CanvasRenderingContext2D
          context.drawImage(image, 0, 0)
          const pixels = context.getImageData(0, 0, image.width, image.height).data
          let arc = 0
          // The arc colors: green (ok), amber (warn), red (critical).
          for (let i = 0; i < pixels.length; i += 4) {
            const [r, g, b] = [pixels[i] as number, pixels[i + 1] as number, pixels[i + 2] as number]
            if ((g > 150 && r < 110 && b < 120) || (r > 180 && g > 120 && g < 180 && b < 80) || (r > 220 && g < 110 && b < 110)) arc++
          }
          return { arc, total: pixels.length / 4 }
        }, png)
      const memory = await count(memoryShot)
      const hits = await count(hitShot)
      const memoryRatio = Number((await page.textContent('#memory-percent'))?.replace('%', '')) / 100
      const hitRatio = Number((await page.textContent('#hit-percent'))?.replace('%', '')) / 100
      expect(memory.arc / memory.total).toBeGreaterThan(0.02)
      expect(hits.arc / hits.total).toBeGreaterThan(0.02)
      // More of the ring is colored for the larger figure.
      expect(Math.sign(hits.arc - memory.arc)).toBe(Math.sign(hitRatio - memoryRatio))
    } finally {
      await counter.close()
    }
  })
})
