/**
 * A reverse proxy on a loopback port that forwards every request to `target` and appends
 * the address it saw to X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for`, AWS
 * load balancers and Cloudflare do. What a client wrote into the header stays to the
 * left of that entry, forged or not.
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ForwardingProxy {
  /** http://127.0.0.1:<port> */
  url: string
  close(): Promise<void>
}

export async function startForwardingProxy(target: string): Promise<ForwardingProxy> {
  const upstream = new URL(target)
  const server: Server = createServer((incoming, outgoing) => {
    const seen = incoming.socket.remoteAddress ?? 'unknown'
    const written = incoming.headers['x-forwarded-for']
    const forwardedFor = written === undefined ? seen : `${Array.isArray(written) ? written.join(', ') : written}, ${seen}`
    const forwarded = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, 'x-forwarded-for': forwardedFor },
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      },
    )
    forwarded.once('error', () => outgoing.writeHead(502).end())
    incoming.pipe(forwarded)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
