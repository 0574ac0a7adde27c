/**
 * `createAdminHandler(kit, { authorize })`: the operations endpoints and the dashboard
 * as one Fetch-API handler, `(Request) => Promise<Response>`, for Next route handlers,
 * Hono, Workers, Deno, Bun, or Node behind a small bridge.
 */
import { CachekitError, ValidationError } from '../core/errors/index.js'
import type { GuardStatus } from '../guard/memory-guard.js'
import type { KeyDescription } from '../keys/describe.js'
import type { HealthReport } from '../monitor/health.js'
import { metricFamilies } from '../monitor/metric-families.js'
import type { KeyDistribution, KeyDistributionOptions } from '../monitor/key-distribution.js'
import type { MetricsSnapshot } from '../monitor/monitor.js'
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from '../monitor/prometheus-text.js'
import type { SlowlogReport } from '../monitor/slowlog.js'
import { dashboardPage } from './dashboard-page.js'
import { redact } from './redact.js'
import { checkDestructiveRequest, readJsonObject, type Refusal } from './request-checks.js'

/** A Fetch-API request handler. */
export type AdminHandler = (request: Request) => Promise<Response>

/** Options of {@link createAdminHandler}. */
export interface AdminHandlerOptions {
  /**
   * Decides whether a request may use the handler: check a session, a header, a token.
   * Required: without it the handler refuses to be created. A rejection or a throw
   * counts as "no".
   * @example (request) => request.headers.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}`
   */
  authorize: (request: Request) => boolean | Promise<boolean>
  /**
   * Where the handler is mounted; routes are matched below it.
   * @default '' (the handler owns the whole path)
   * @example '/admin/cache'
   */
  basePath?: string
  /**
   * Origins besides the request's own that may POST (a dashboard behind a proxy that
   * rewrites the host).
   * @default []
   */
  allowedOrigins?: readonly string[]
  /**
   * How often the dashboard refreshes, in ms.
   * @default 5000
   */
  refreshMs?: number
  /**
   * The dashboard's title.
   * @default 'cachekit'
   */
  title?: string
  /**
   * Strings that must never appear in a response (your Redis password, an Upstash token).
   * Credentials in URLs, bearer tokens and token-like strings are removed anyway.
   * @default []
   */
  secrets?: readonly string[]
  /**
   * The largest request body the handler reads, in bytes (only `POST /invalidate` has one).
   * A larger `Content-Length` is refused with 413 before a byte is read; a chunked body is
   * counted while it streams and refused with 413 as soon as it passes the cap, without
   * reading the rest. A valid invalidation is far smaller. An integer from 1 to 1 MiB.
   * @default 65536 (64 KiB)
   * @example 8 * 1024
   */
  maxBodyBytes?: number
}

/** The part of a kit the handler uses (any `createCachekit` result fits). */
export interface AdminKit {
  readonly keys: unknown
  readonly monitor: {
    health(): Promise<HealthReport>
    metrics(): Promise<MetricsSnapshot>
    keyDistribution(options?: KeyDistributionOptions): Promise<KeyDistribution>
    slowlog(count?: number): Promise<SlowlogReport>
  }
  readonly guard: { status(): GuardStatus }
  readonly cache: {
    delete(keys: string | readonly string[]): Promise<number>
    invalidateTags(tags: readonly string[]): Promise<unknown>
    invalidatePattern(pattern: string): Promise<unknown>
  }
}

const DEFAULTS = Object.freeze({ basePath: '', refreshMs: 5000, title: 'cachekit', maxBodyBytes: 64 * 1024 })

/** No valid invalidation comes near it; a cap above it is a mistake. */
const MAX_BODY_BYTES_LIMIT = 1024 * 1024

/** Query parameters, bounded: each sampled key costs a script call on the server. */
const QUERY_LIMITS = Object.freeze({ sample: { fallback: 200, max: 10_000 }, count: { fallback: 10, max: 1000 } })

const ROUTES: Readonly<Record<string, string>> = Object.freeze({
  '/': 'GET',
  '/health': 'GET',
  '/metrics': 'GET',
  '/metrics/prometheus': 'GET',
  '/keys': 'GET',
  '/slowlog': 'GET',
  '/invalidate': 'POST',
})

const SECURITY_HEADERS = Object.freeze({
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
})

/**
 * Creates the admin handler:
 * - `GET /` the dashboard (HTML, self-contained, refreshing itself)
 * - `GET /health` the health report; 200, or 503 when unhealthy
 * - `GET /metrics` the metrics snapshot (JSON); `GET /metrics/prometheus` the text format
 * - `GET /keys?family=&sample=` the TTL table and the key distribution (`sample` 1 to 10,000, default 200)
 * - `GET /slowlog?count=` the server's slow log (`count` 1 to 1,000, default 10)
 * - `POST /invalidate` with `{ "key": ... }`, `{ "tag": ... }`/`{ "tags": [...] }` or `{ "pattern": ... }`
 *
 * Every request goes through `authorize` before anything else, its body included; `POST` also
 * needs a JSON body from the same origin, of at most `maxBodyBytes`.
 *
 * @throws {ValidationError} without `authorize`, or with a bad `basePath`, `refreshMs` or `maxBodyBytes`.
 * @example
 * // app/admin/cache/[[...path]]/route.ts (Next.js)
 * const handler = createAdminHandler(kit, { basePath: '/admin/cache', authorize: isAdmin })
 * export { handler as GET, handler as POST }
 */
export function createAdminHandler(kit: AdminKit, options: AdminHandlerOptions): AdminHandler {
  if (typeof options?.authorize !== 'function') {
    throw new ValidationError('createAdminHandler needs options.authorize: (request) => boolean; the admin endpoints are never public')
  }
  const basePath = (options.basePath ?? DEFAULTS.basePath).replace(/\/+$/, '')
  if (basePath !== '' && !basePath.startsWith('/'))
    throw new ValidationError(`basePath must start with '/', got ${JSON.stringify(basePath)}`)
  const refreshMs = options.refreshMs ?? DEFAULTS.refreshMs
  if (!Number.isSafeInteger(refreshMs) || refreshMs < 500)
    throw new ValidationError(`refreshMs must be an integer of at least 500, got ${String(refreshMs)}`)
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1 || maxBodyBytes > MAX_BODY_BYTES_LIMIT) {
    throw new ValidationError(`maxBodyBytes must be an integer from 1 to ${MAX_BODY_BYTES_LIMIT}, got ${String(maxBodyBytes)}`)
  }
  const allowedOrigins = options.allowedOrigins ?? []
  const secrets = options.secrets ?? []
  const title = options.title ?? DEFAULTS.title

  return async function adminHandler(request: Request): Promise<Response> {
    try {
      if (!(await isAuthorized(options.authorize, request)))
        return json({ error: { code: 'UNAUTHORIZED', message: 'not authorized' } }, 401)
      const path = routeOf(new URL(request.url).pathname, basePath)
      const method = path === undefined ? undefined : ROUTES[path]
      if (path === undefined || method === undefined) return json({ error: { code: 'NOT_FOUND', message: 'no such admin route' } }, 404)
      if (request.method !== method && !(method === 'GET' && request.method === 'HEAD')) {
        return json({ error: { code: 'METHOD_NOT_ALLOWED', message: `use ${method}` } }, 405, { allow: method })
      }
      return await route(kit, path, request, { allowedOrigins, maxBodyBytes, refreshMs, title })
    } catch (error) {
      return errorResponse(error, secrets)
    }
  }
}

interface RouteSettings {
  readonly allowedOrigins: readonly string[]
  readonly maxBodyBytes: number
  readonly refreshMs: number
  readonly title: string
}

async function route(kit: AdminKit, path: string, request: Request, settings: RouteSettings): Promise<Response> {
  const query = new URL(request.url).searchParams
  switch (path) {
    case '/': {
      const page = await dashboardPage({ title: settings.title, refreshMs: settings.refreshMs })
      return new Response(page.html, {
        status: 200,
        headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': page.contentSecurityPolicy },
      })
    }
    case '/health': {
      const health = await kit.monitor.health()
      return json(health, health.status === 'unhealthy' ? 503 : 200)
    }
    case '/metrics':
      return json(await kit.monitor.metrics())
    case '/metrics/prometheus':
      return new Response(formatPrometheus(metricFamilies(await kit.monitor.metrics())), {
        status: 200,
        headers: { ...SECURITY_HEADERS, 'content-type': PROMETHEUS_CONTENT_TYPE },
      })
    case '/keys': {
      const family = query.get('family') ?? undefined
      const sample = integerParam(query, 'sample', QUERY_LIMITS.sample)
      const table = describeKeys(kit.keys).filter((row) => family === undefined || row.family === family)
      return json({ ttlTable: table, distribution: await kit.monitor.keyDistribution({ sample, family }) })
    }
    case '/slowlog':
      return json(await kit.monitor.slowlog(integerParam(query, 'count', QUERY_LIMITS.count)))
    default:
      return invalidate(kit, request, settings)
  }
}

async function invalidate(kit: AdminKit, request: Request, settings: RouteSettings): Promise<Response> {
  const refusal = checkDestructiveRequest(request, settings.allowedOrigins, settings.maxBodyBytes)
  if (refusal) return refused(refusal)
  const read = await readJsonObject(request, settings.maxBodyBytes)
  if ('refusal' in read) return refused(read.refusal)
  const body = read.object
  const given = ['key', 'tag', 'tags', 'pattern'].filter((field) => body[field] !== undefined)
  if (given.length !== 1)
    return json({ error: { code: 'VALIDATION_ERROR', message: 'give exactly one of key, tag, tags or pattern' } }, 400)
  const kind = given[0] as 'key' | 'tag' | 'tags' | 'pattern'
  if (kind === 'key') {
    const key = stringField(body.key, 'key')
    return json({ ok: true, kind, deleted: await kit.cache.delete(key) })
  }
  if (kind === 'pattern') return json({ ok: true, kind, result: await kit.cache.invalidatePattern(stringField(body.pattern, 'pattern')) })
  const tags = kind === 'tag' ? [stringField(body.tag, 'tag')] : stringList(body.tags)
  return json({ ok: true, kind: 'tags', result: await kit.cache.invalidateTags(tags) })
}

async function isAuthorized(authorize: AdminHandlerOptions['authorize'], request: Request): Promise<boolean> {
  try {
    return (await authorize(request)) === true
  } catch {
    return false
  }
}

/** The route below `basePath`, or undefined when the path lies elsewhere. */
function routeOf(pathname: string, basePath: string): string | undefined {
  if (basePath !== '' && pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return undefined
  const rest = pathname.slice(basePath.length).replace(/\/+$/, '')
  return rest === '' ? '/' : rest
}

function describeKeys(keys: unknown): KeyDescription[] {
  const describe = (keys as { describe?: unknown } | null | undefined)?.describe
  return typeof describe === 'function' ? (describe.call(keys) as KeyDescription[]) : []
}

function integerParam(
  query: URLSearchParams,
  name: 'sample' | 'count',
  limits: { readonly fallback: number; readonly max: number },
): number {
  const text = query.get(name)
  if (text === null) return limits.fallback
  const value = /^\d{1,7}$/.test(text) ? Number(text) : 0
  if (value < 1 || value > limits.max) throw new ValidationError(`${name} must be an integer from 1 to ${limits.max}`)
  return value
}

function stringField(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1024)
    throw new ValidationError(`${name} must be a non-empty string of at most 1024 characters`)
  return value
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 100)
    throw new ValidationError('tags must be a list of 1 to 100 strings')
  return value.map((tag) => stringField(tag, 'tag'))
}

function refused(refusal: Refusal): Response {
  return json({ error: { code: refusal.code, message: refusal.message } }, refusal.status)
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers },
  })
}

/** Cachekit errors keep their code and a scrubbed message; anything else says only that it failed. */
function errorResponse(error: unknown, secrets: readonly string[]): Response {
  if (CachekitError.is(error)) {
    const status = error.code === 'VALIDATION_ERROR' ? 400 : 503
    return json({ error: { code: error.code, message: redact(error.message, secrets) } }, status)
  }
  return json({ error: { code: 'INTERNAL_ERROR', message: 'the admin handler failed; see the server log' } }, 500)
}
