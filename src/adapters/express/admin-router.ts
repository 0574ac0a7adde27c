/**
 * `adminRouter(kit, options)`: the admin handler (dashboard, health, metrics, keys, slow
 * log, invalidation) mounted in an Express app. A bridge only: Express request -> Fetch
 * `Request` -> `createAdminHandler` -> Express response.
 */
import { Router, type NextFunction, type Request, type Response } from 'express'
import { createAdminHandler, type AdminHandler, type AdminHandlerOptions, type AdminKit } from '../../admin/index.js'
import { ValidationError } from '../../core/errors/index.js'

/** Options of {@link adminRouter}: the admin handler's, with `authorize` receiving the Express request. */
export interface AdminRouterOptions extends Omit<AdminHandlerOptions, 'authorize' | 'basePath'> {
  /**
   * Decides whether a request may use the admin endpoints (a session, a header, a token).
   * Required. A rejection or a throw counts as "no".
   * @example (req) => req.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}`
   */
  authorize: (req: Request) => boolean | Promise<boolean>
}

/**
 * A router that serves the admin handler wherever it is mounted: the mount path becomes the
 * handler's base path. Mount it before a body parser or after one: a body Express already
 * parsed as JSON is passed on as JSON.
 *
 * @throws {ValidationError} without `authorize` (at setup, like `createAdminHandler`).
 * @example
 * app.use('/admin/cache', adminRouter(kit, { authorize: (req) => req.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}` }))
 */
export function adminRouter(kit: AdminKit, options: AdminRouterOptions): Router {
  if (typeof options?.authorize !== 'function') throw new ValidationError('adminRouter: authorize is required (who may see and invalidate the cache?)')
  const origins = new WeakMap<globalThis.Request, Request>()
  const { authorize, ...handlerOptions } = options
  const handlers = new Map<string, AdminHandler>()
  const handlerFor = (basePath: string): AdminHandler => {
    let handler = handlers.get(basePath)
    if (handler === undefined) {
      handler = createAdminHandler(kit, {
        ...handlerOptions,
        basePath,
        authorize: (request) => {
          const req = origins.get(request)
          return req === undefined ? false : authorize(req)
        },
      })
      handlers.set(basePath, handler)
    }
    return handler
  }
  handlerFor('')
  const router = Router()
  router.use(function cachekitAdmin(req: Request, res: Response, next: NextFunction) {
    toFetchRequest(req)
      .then(async (request) => {
        origins.set(request, req)
        await sendFetchResponse(res, await handlerFor(req.baseUrl)(request))
      })
      .catch(next)
  })
  return router
}

async function toFetchRequest(req: Request): Promise<globalThis.Request> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`
  if (req.method === 'GET' || req.method === 'HEAD') return new Request(url, { method: req.method, headers })
  return new Request(url, { method: req.method, headers, body: await bodyOf(req) })
}

/** The raw body, or the JSON a body parser already consumed. */
async function bodyOf(req: Request): Promise<Uint8Array<ArrayBuffer>> {
  if (req.readableEnded || req.body !== undefined) {
    return new TextEncoder().encode(req.body === undefined ? '' : typeof req.body === 'string' ? req.body : JSON.stringify(req.body))
  }
  const chunks: Uint8Array[] = []
  for await (const chunk of req) chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array))
  return new Uint8Array(Buffer.concat(chunks))
}

async function sendFetchResponse(res: Response, response: globalThis.Response): Promise<void> {
  res.status(response.status)
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  res.end(Buffer.from(await response.arrayBuffer()))
}
