/**
 * `adminRouter(kit, options)`: the admin handler (dashboard, health, metrics, keys, slow
 * log, invalidation) mounted in an Express app. A bridge only: Express request ->
 * `authorize(req)` -> Fetch `Request` -> `createAdminHandler` -> Express response.
 */
import { Router, type NextFunction, type Request, type Response } from 'express'
import { createAdminHandler, type AdminHandlerOptions, type AdminKit } from '../../admin/index.js'
import { ValidationError } from '../../core/errors/index.js'

/** Options of {@link adminRouter}: the admin handler's, with `authorize` receiving the Express request. */
export interface AdminRouterOptions extends Omit<AdminHandlerOptions, 'authorize' | 'basePath'> {
  /**
   * Decides whether a request may use the admin endpoints (a session, a header, a token).
   * Required. Runs before any of the request body is read. A rejection or a throw counts as "no".
   * @example (req) => req.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}`
   */
  authorize: (req: Request) => boolean | Promise<boolean>
}

/**
 * A router that serves the admin handler wherever it is mounted, a pattern mount such as
 * `'/t/:tenant/admin'` included: routes are matched below the mount path. Mount it before a
 * body parser or after one: a body Express already parsed as JSON is passed on as JSON.
 *
 * `authorize(req)` runs first: a refused request gets 401 and its body is never read. The
 * body of an authorized `POST /invalidate` is streamed to the handler, which stops reading
 * it past `maxBodyBytes` (413). A response sent before the body was fully received closes
 * the connection, so Node does not read the rest of it.
 *
 * @throws {ValidationError} without `authorize`, or with a bad option (at setup, like `createAdminHandler`).
 * @example
 * app.use('/admin/cache', adminRouter(kit, { authorize: (req) => req.get('authorization') === `Bearer ${process.env.ADMIN_TOKEN}` }))
 */
export function adminRouter(kit: AdminKit, options: AdminRouterOptions): Router {
  if (typeof options?.authorize !== 'function')
    throw new ValidationError('adminRouter: authorize is required (who may see and invalidate the cache?)')
  const { authorize, ...handlerOptions } = options
  const authorized = new WeakSet<globalThis.Request>()
  // One handler for every mount path: it sees the path below the mount (req.url), so a
  // pattern mount serves any number of tenants without a handler (or a map entry) each.
  const handler = createAdminHandler(kit, { ...handlerOptions, basePath: '', authorize: (request) => authorized.has(request) })
  const router = Router()
  router.use(function cachekitAdmin(req: Request, res: Response, next: NextFunction) {
    isAuthorized(authorize, req)
      .then(async (allowed) => {
        const request = toFetchRequest(req, allowed)
        if (allowed) authorized.add(request)
        await sendFetchResponse(req, res, await handler(request))
      })
      .catch(next)
  })
  return router
}

async function isAuthorized(authorize: AdminRouterOptions['authorize'], req: Request): Promise<boolean> {
  try {
    return (await authorize(req)) === true
  } catch {
    return false
  }
}

/** The Fetch request, relative to the mount path; only an authorized POST carries its body. */
function toFetchRequest(req: Request, allowed: boolean): globalThis.Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.url}`
  if (!allowed || req.method !== 'POST') return new Request(url, { method: req.method, headers })
  if (req.readableEnded || req.body !== undefined) return new Request(url, { method: req.method, headers, body: parsedBody(req) })
  return new Request(url, { method: req.method, headers, body: bodyStream(req), duplex: 'half' } as RequestInit)
}

/** The JSON (or text) a body parser in front of the router already consumed. */
function parsedBody(req: Request): string {
  if (req.body === undefined) return ''
  return typeof req.body === 'string' ? req.body : JSON.stringify(req.body)
}

/**
 * The request body as a pull stream: one chunk leaves Node's buffer per read, nothing is
 * read until the handler asks, and a cancel (the handler's cap) stops reading for good.
 */
function bodyStream(req: Request): ReadableStream<Uint8Array> {
  let release = (): void => undefined
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // The client left while authorize ran: its 'close' is past, so wait for nothing.
        if (req.destroyed) return controller.error(new Error('the client closed the connection before the body ended'))
        req.pause() // before the 'data' listener, which would otherwise start the flow
        const onData = (chunk: Buffer | string) => {
          req.pause()
          controller.enqueue(
            typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
          )
        }
        const onEnd = () => {
          release()
          controller.close()
        }
        const onFailure = (error?: unknown) => {
          release()
          controller.error(error ?? new Error('the client closed the connection before the body ended'))
        }
        const onClose = () => onFailure()
        req.on('data', onData)
        req.on('end', onEnd)
        req.on('error', onFailure)
        req.on('close', onClose)
        release = () => {
          req.off('data', onData)
          req.off('end', onEnd)
          req.off('error', onFailure)
          req.off('close', onClose)
        }
      },
      pull() {
        req.resume()
      },
      cancel() {
        release()
      },
    },
    { highWaterMark: 0 },
  )
}

async function sendFetchResponse(req: Request, res: Response, response: globalThis.Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer())
  res.status(response.status)
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value)
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) res.setHeader('set-cookie', cookies)
  // Answered before the body was fully received (refused, too large, or a route without one):
  // closing beats keeping the connection alive, for which Node would read the rest of the body.
  if (!req.complete && req.httpVersionMajor === 1) res.setHeader('connection', 'close')
  res.end(body)
}
