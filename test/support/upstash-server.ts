/**
 * A local stand-in for Upstash's REST API, in front of a real redis-server, so the real
 * `@upstash/redis` client can be tested here (there is no Upstash service on this machine).
 *
 * It speaks what @upstash/redis 1.39 sends and expects (checked against the client's
 * source and Upstash's REST API docs):
 * - `POST /` with `["cmd", ...args]`, `POST /pipeline` and `POST /multi-exec` with
 *   `[[...], ...]`; `authorization: Bearer <token>` or 401.
 * - `{"result": x}` on success; a 400 with `{"error": "..."}` when a single command fails;
 *   pipelines answer 200 with one `{"result"}` or `{"error"}` entry per command.
 * - `Upstash-Encoding: base64`: every string in a result is base64 of its bytes, except a
 *   top-level `"OK"`; numbers and nulls pass through; arrays recurse. Maps (HGETALL) are
 *   flattened to `[field, value, ...]` arrays, as Upstash returns them.
 * - Every answer carries an `upstash-sync-token` (the client's read-your-writes handshake:
 *   it sends the last token back with its next request). One node is always consistent, so
 *   the token is just a counter.
 * - `POST /subscribe/<channel>` and `/psubscribe/<pattern>` stream Server-Sent Events:
 *   `data: subscribe,<channel>,<count>` then `data: message,<channel>,<message>`.
 *
 * Faults for failure tests: `hang()` holds every request unanswered, `fail()` answers
 * every request with an HTTP error, `cut()` drops every connection and resets new ones,
 * `restore()` serves again.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Redis } from 'ioredis'

/** Options of {@link startUpstashServer}. */
export interface UpstashServerOptions {
  /** redis://host:port of the backing redis-server. */
  redisUrl: string
  /** The bearer token clients must send. Random by default. */
  token?: string
}

/** A running server. */
export interface UpstashServerHandle {
  /** http://127.0.0.1:port, the client's `url`. */
  readonly url: string
  /** The client's `token`. */
  readonly token: string
  /** The backing redis-server. */
  readonly redisUrl: string
  /** Every HTTP request received, in order (to count round trips and see what was sent). */
  readonly requests: readonly UpstashRequestRecord[]
  /** Requests `hang()` holds whose connection the client has not closed yet. */
  readonly heldRequests: number
  /** Holds every request unanswered until `restore()`: a hung server. */
  hang(): Promise<void>
  /** Answers every request with `status` and a JSON error: a failing gateway. */
  fail(status?: number): Promise<void>
  /** Drops every open connection and resets new ones: a dead server. */
  cut(): Promise<void>
  /** Serves normally again; requests held by `hang()` are dropped. */
  restore(): Promise<void>
  stop(): Promise<void>
}

/** One HTTP request as the server saw it. */
export interface UpstashRequestRecord {
  path: string
  /** Lowercased command names in the body (`['evalsha']`, `['get', 'set']`); empty for streams. */
  commands: string[]
  /** The `upstash-sync-token` the client sent ('' when none). */
  syncToken: string
}

type Mode = { kind: 'serve' } | { kind: 'hang' } | { kind: 'cut' } | { kind: 'fail'; status: number }
type Encoding = 'base64' | 'utf8'
type Command = [string, ...string[]]

/** Commands that need a connection of their own (or change it); Upstash refuses them on `/` too. */
const REFUSED = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'monitor',
  'select',
  'multi',
  'exec',
  'discard',
  'watch',
  'unwatch',
  'quit',
  'reset',
])
const OK = Buffer.from('OK')

/** Starts a server on a free loopback port. */
export async function startUpstashServer(options: UpstashServerOptions): Promise<UpstashServerHandle> {
  const token = options.token ?? randomBytes(16).toString('hex')
  // RESP2: RESP3 replies (maps, doubles, booleans) have shapes Upstash never returns.
  const redis = new Redis(options.redisUrl, { protocol: 2, maxRetriesPerRequest: 1 })
  const sockets = new Set<Socket>()
  const held = new Set<ServerResponse>()
  const requests: UpstashRequestRecord[] = []
  let syncPosition = 0
  const state: ServerState = { redis, token, log: requests, nextSyncToken: () => String(++syncPosition) }
  let mode: Mode = { kind: 'serve' }

  const server = createServer((req, res) => {
    if (mode.kind === 'hang') {
      held.add(res)
      res.on('close', () => held.delete(res))
      return
    }
    if (mode.kind === 'fail') return sendJson(res, mode.status, { error: 'upstash-server: injected failure' })
    route(req, res, state).catch((error: unknown) => sendJson(res, 500, { error: errorText(error) }))
  })
  server.on('connection', (socket) => {
    if (mode.kind === 'cut') return void socket.destroy()
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const dropHeld = (): void => {
    for (const res of held) res.destroy()
    held.clear()
  }
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    redisUrl: options.redisUrl,
    requests,
    get heldRequests() {
      return held.size
    },
    hang: async () => {
      mode = { kind: 'hang' }
    },
    fail: async (status = 503) => {
      mode = { kind: 'fail', status }
    },
    cut: async () => {
      mode = { kind: 'cut' }
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    restore: async () => {
      mode = { kind: 'serve' }
      dropHeld()
    },
    stop: async () => {
      dropHeld()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      redis.disconnect()
    },
  }
}

interface ServerState {
  redis: Redis
  token: string
  log: UpstashRequestRecord[]
  nextSyncToken(): string
}

async function route(req: IncomingMessage, res: ServerResponse, { redis, token, log, nextSyncToken }: ServerState): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'ERR only POST is supported here' })
  if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, 401, { error: 'Unauthorized' })
  res.setHeader('upstash-sync-token', nextSyncToken())
  const encoding: Encoding = req.headers['upstash-encoding'] === 'base64' ? 'base64' : 'utf8'
  const path = new URL(req.url ?? '/', 'http://local').pathname
  const body = await readJson(req)
  const syncToken = req.headers['upstash-sync-token']
  log.push({ path, commands: commandNames(body), syncToken: typeof syncToken === 'string' ? syncToken : '' })

  if (path === '/') {
    const command = toCommand(body)
    if (typeof command === 'string') return sendJson(res, 400, { error: command })
    try {
      return sendJson(res, 200, { result: encode(await redis.callBuffer(...command), encoding, true) })
    } catch (error) {
      return sendJson(res, 400, { error: errorText(error) })
    }
  }
  if (path === '/pipeline' || path === '/multi-exec') {
    const commands = Array.isArray(body) && body.length > 0 ? body.map(toCommand) : ['ERR expected a non-empty array of commands']
    const invalid = commands.find((command) => typeof command === 'string')
    if (invalid !== undefined) return sendJson(res, 400, { error: invalid })
    const valid = commands as Command[]
    try {
      const results = path === '/pipeline' ? await runPipeline(redis, valid) : await runTransaction(redis, valid)
      return sendJson(
        res,
        200,
        results.map((entry) => ('error' in entry ? entry : { result: encode(entry.result, encoding, true) })),
      )
    } catch (error) {
      return sendJson(res, 400, { error: errorText(error) })
    }
  }
  const stream = /^\/(subscribe|psubscribe)\/(.+)$/.exec(path)
  if (stream) return streamMessages(res, redis, stream[1] as 'subscribe' | 'psubscribe', decodeURIComponent(stream[2] as string))
  return sendJson(res, 404, { error: `ERR unknown endpoint ${path}` })
}

type Outcome = { result: unknown } | { error: string }

/** Commands run in order on one connection; other clients may interleave (as on Upstash). */
async function runPipeline(redis: Redis, commands: Command[]): Promise<Outcome[]> {
  return Promise.all(
    commands.map((command) =>
      redis.callBuffer(...command).then(
        (result): Outcome => ({ result }),
        (error: unknown): Outcome => ({ error: errorText(error) }),
      ),
    ),
  )
}

async function runTransaction(redis: Redis, commands: Command[]): Promise<Outcome[]> {
  const multi = redis.multi()
  for (const command of commands) multi.callBuffer(...command)
  const replies = (await multi.exec()) ?? []
  return replies.map(([error, result]) => (error ? { error: errorText(error) } : { result }))
}

/** One SSE stream per subscription, on a connection of its own, closed with the request. */
async function streamMessages(res: ServerResponse, redis: Redis, kind: 'subscribe' | 'psubscribe', target: string): Promise<void> {
  const subscriber = redis.duplicate()
  res.on('close', () => subscriber.disconnect())
  let count: unknown
  try {
    count = await subscriber[kind](target)
  } catch (error) {
    subscriber.disconnect()
    return sendJson(res, 400, { error: errorText(error) })
  }
  if (res.destroyed) return
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  sendEvent(res, `${kind},${target},${String(count)}`)
  subscriber.on('message', (channel: string, message: string) => sendEvent(res, `message,${channel},${message}`))
  subscriber.on('pmessage', (pattern: string, channel: string, message: string) =>
    sendEvent(res, `pmessage,${pattern},${channel},${message}`),
  )
}

/** SSE framing: a payload with line breaks becomes several `data:` lines of one event. */
function sendEvent(res: ServerResponse, payload: string): void {
  res.write(
    `${payload
      .split(/\r\n|\r|\n/)
      .map((line) => `data: ${line}\n`)
      .join('')}\n`,
  )
}

/** Arguments arrive as JSON strings, numbers or booleans; Redis receives their text. */
function toCommand(body: unknown): Command | string {
  if (!Array.isArray(body) || body.length === 0 || typeof body[0] !== 'string') return 'ERR expected a command array like ["get", "key"]'
  const args: string[] = []
  for (const arg of body) {
    if (typeof arg === 'string') args.push(arg)
    else if (typeof arg === 'number' || typeof arg === 'boolean') args.push(String(arg))
    else return 'ERR command arguments must be strings, numbers or booleans'
  }
  const name = (args[0] as string).toLowerCase()
  if (REFUSED.has(name)) return `ERR Command is not available: '${name}'`
  return args as Command
}

/** Turns a RESP2 reply (Buffers, numbers, nulls, arrays) into Upstash's JSON result. */
function encode(reply: unknown, encoding: Encoding, topLevel: boolean): unknown {
  if (reply === null || reply === undefined) return null
  if (typeof reply === 'number') return reply
  if (typeof reply === 'string') return encode(Buffer.from(reply), encoding, topLevel)
  if (Buffer.isBuffer(reply)) {
    if (topLevel && reply.equals(OK)) return 'OK'
    return encoding === 'base64' ? reply.toString('base64') : reply.toString('utf8')
  }
  if (Array.isArray(reply)) return reply.map((item) => encode(item, encoding, false))
  if (reply instanceof Error) return encode(reply.message, encoding, false)
  // ioredis turns HGETALL into an object even for callBuffer; Upstash returns the flat array.
  if (typeof reply === 'object')
    return Object.entries(reply).flatMap(([field, value]) => [encode(field, encoding, false), encode(value, encoding, false)])
  return encode(String(reply), encoding, topLevel)
}

function commandNames(body: unknown): string[] {
  if (!Array.isArray(body) || body.length === 0) return []
  const commands = Array.isArray(body[0]) ? body : [body]
  return commands.map((command: unknown) => (Array.isArray(command) ? String(command[0]).toLowerCase() : ''))
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
