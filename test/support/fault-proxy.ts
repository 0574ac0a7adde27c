/**
 * A TCP proxy in front of a redis-server that can hang, cut or slow the network, so
 * failure tests use a real server and a real client with a real (broken) wire between.
 */
import { createServer, Socket, type Server } from 'node:net'

export interface FaultProxy {
  readonly host: string
  readonly port: number
  /** redis://host:port of the proxy. */
  readonly url: string
  /** Accepts connections and holds them, forwarding nothing (bytes wait, in order, for `restore`). */
  hang(): Promise<void>
  /** Destroys every connection and refuses new ones (the port is closed): a dead server. */
  cut(): Promise<void>
  /** Forwards again: held bytes flow on, and a cut port listens again. */
  restore(): Promise<void>
  /** Delays every chunk, both ways, by `ms` (0 turns it off). Order is kept. */
  delay(ms: number): void
  /** Connections currently open through the proxy. */
  readonly connections: number
  /** Stops the proxy and drops every connection. */
  close(): Promise<void>
}

interface Pipe {
  readonly client: Socket
  readonly upstream: Socket
}

const HOST = '127.0.0.1'

/** Starts a proxy on a free loopback port forwarding to `target`. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const pipes = new Set<Pipe>()
  let mode: 'forward' | 'hang' | 'cut' = 'forward'
  let delayMs = 0
  let server: Server = createServer((client) => accept(client))
  const port = await listen(server, 0)

  function accept(client: Socket): void {
    const upstream = new Socket()
    const pipe: Pipe = { client, upstream }
    pipes.add(pipe)
    const drop = () => {
      pipes.delete(pipe)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.on('data', (chunk) => forward(upstream, chunk))
    upstream.on('data', (chunk) => forward(client, chunk))
    // Reads stay paused until the upstream connection is up (and, while hung, until restore).
    client.pause()
    upstream.pause()
    upstream.connect(target.port, target.host, () => {
      if (mode === 'forward') resume(pipe)
    })
  }

  function forward(to: Socket, chunk: Buffer): void {
    if (delayMs === 0) {
      to.write(chunk)
      return
    }
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk)
    }, delayMs)
  }

  function resume(pipe: Pipe): void {
    if (pipe.upstream.connecting) return
    pipe.client.resume()
    pipe.upstream.resume()
  }

  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    get connections() {
      return pipes.size
    },
    hang: async () => {
      mode = 'hang'
      for (const pipe of pipes) {
        pipe.client.pause()
        pipe.upstream.pause()
      }
    },
    cut: async () => {
      if (mode === 'cut') return
      mode = 'cut'
      const closed = close(server)
      for (const pipe of [...pipes]) {
        pipe.client.destroy()
        pipe.upstream.destroy()
      }
      pipes.clear()
      await closed
    },
    restore: async () => {
      if (mode === 'cut') {
        server = createServer((client) => accept(client))
        await listen(server, port)
      }
      mode = 'forward'
      for (const pipe of pipes) resume(pipe)
    },
    delay: (ms) => {
      delayMs = ms
    },
    close: async () => {
      mode = 'cut'
      const closed = server.listening ? close(server) : Promise.resolve()
      for (const pipe of [...pipes]) {
        pipe.client.destroy()
        pipe.upstream.destroy()
      }
      pipes.clear()
      await closed
    },
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => {
      server.off('error', reject)
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}
