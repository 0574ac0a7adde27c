/**
 * A redis-server daemon on a port we choose, stopped by the PID in its pidfile (never by
 * name). Tests that must kill and restart a server on the same port, and the local
 * cluster, are built on it; for a plain throwaway server use redis-server.ts.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { REDIS_BINARY } from './redis-server.js'

const run = promisify(execFile)

export interface RedisProcess {
  readonly host: string
  readonly port: number
  readonly url: string
  /** The directory holding its pidfile and (for cluster nodes) nodes.conf. */
  readonly dir: string
  /** Stops the server (SIGTERM, then SIGKILL) and waits until the process is gone. */
  stop(): Promise<void>
  /** Starts it again on the same port, with the same arguments and an empty dataset. */
  start(): Promise<void>
  /** SIGSTOP: the server keeps its connections open and answers nothing (a hung server). */
  pause(): Promise<void>
  /** SIGCONT after `pause`. */
  resume(): Promise<void>
}

export interface RedisProcessOptions {
  /** A port to use; a free one otherwise. */
  port?: number
  /** A directory to use; a fresh temporary one otherwise (removed by `remove()` callers). */
  dir?: string
  /** Extra redis-server arguments. */
  args?: string[]
}

const HOST = '127.0.0.1'

/** Starts a daemonized redis-server without persistence and waits until it answers. */
export async function startRedisProcess(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  const port = options.port ?? (await freePort())
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cachekit-redis-')))
  const pidfile = join(dir, `redis-${port}.pid`)
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--dir',
    dir,
    '--logfile',
    join(dir, `redis-${port}.log`),
    ...(options.args ?? []),
  ]
  const processHandle: RedisProcess = {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    dir,
    start: async () => {
      await run(REDIS_BINARY, args)
      // Another server could hold the port: only ours reports the PID in our pidfile.
      await waitUntil(async () => {
        const pid = await readPid(pidfile)
        return pid !== undefined && (await reportsPid(port, pid))
      }, `redis-server on port ${port} to answer`)
    },
    pause: async () => {
      const pid = await readPid(pidfile)
      if (pid !== undefined) signal(pid, 'SIGSTOP')
    },
    resume: async () => {
      const pid = await readPid(pidfile)
      if (pid !== undefined) signal(pid, 'SIGCONT')
    },
    stop: async () => {
      const pid = await readPid(pidfile)
      // A paused server would not see SIGTERM until continued.
      if (pid !== undefined) signal(pid, 'SIGCONT')
      if (pid === undefined) return
      signal(pid, 'SIGTERM')
      const gone = await waitUntil(() => !isAlive(pid), `redis-server ${pid} to exit`, 5_000).then(
        () => true,
        () => false,
      )
      if (!gone) {
        signal(pid, 'SIGKILL')
        await waitUntil(() => !isAlive(pid), `redis-server ${pid} to die`, 5_000)
      }
      await rm(pidfile, { force: true })
    },
  }
  await processHandle.start()
  return processHandle
}

/**
 * A free loopback port. With `clusterBus`, port + 10000 (Redis Cluster's bus) must be free
 * too. Racy by nature (someone may take it before we bind), which is fine for tests.
 */
export async function freePort(options: { clusterBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0)
    if (port === 6379) continue
    if (!options.clusterBus) return port
    if (port + 10000 > 65535) continue
    if (await canListen(port + 10000)) return port
  }
  throw new Error('no free port found')
}

/** Polls `check` every 20 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Sends one inline command on a fresh connection and returns the raw reply text. */
export function rawCommand(port: number, command: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no reply to ${command} from port ${port}`))
    }, timeoutMs)
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8')
      if (isCompleteReply(received)) {
        clearTimeout(timer)
        socket.end()
        resolve(received)
      }
    })
    socket.connect(port, HOST, () => socket.write(`${command}\r\n`))
  })
}

async function reportsPid(port: number, pid: number): Promise<boolean> {
  try {
    return (await rawCommand(port, 'INFO server', 500)).includes(`process_id:${pid}\r\n`)
  } catch {
    return false
  }
}

/** Enough for PING and INFO-like bulk replies: a status line, or a bulk string read to its end. */
function isCompleteReply(text: string): boolean {
  if (text.startsWith('+') || text.startsWith('-') || text.startsWith(':')) return text.endsWith('\r\n')
  if (text.startsWith('$') || text.startsWith('=')) {
    const header = text.indexOf('\r\n')
    if (header === -1) return false
    const length = Number(text.slice(1, header))
    return Buffer.byteLength(text, 'utf8') >= header + 2 + length + 2
  }
  return false
}

async function readPid(pidfile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidfile, 'utf8')).trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A killed daemon lingers as a zombie until its parent (init) reaps it: treat it as gone.
  return !isZombie(pid)
}

function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state letter follows the closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return false
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, HOST, () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : port))
    })
  })
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenOnce(port)
    return true
  } catch {
    return false
  }
}
