/**
 * A real HTTP POST whose body is generated on the fly, chunk by chunk, honouring
 * backpressure, and that stops sending as soon as the server answers: it tells how many
 * body bytes the client had handed to its socket when the answer came. Without
 * `contentLength` the body goes chunked; with it, the client declares that length and
 * sends `bytes` of it, then waits.
 */
import { Agent, request as httpRequest } from 'node:http'

export interface StreamPostOptions {
  readonly headers?: Record<string, string>
  /** Body bytes to send at most: spaces, then `tail` (leading whitespace keeps a JSON body valid). */
  readonly bytes: number
  /** The last bytes of the body. */
  readonly tail?: string
  /** Declares this Content-Length instead of sending chunked. */
  readonly contentLength?: number
  /** @default 64 KiB */
  readonly chunkBytes?: number
}

export interface StreamPostResult {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
  /** Body bytes written to the socket when the response's headers arrived. */
  readonly writtenAtResponse: number
  /** Whether the client had sent its whole body by then. */
  readonly finishedSending: boolean
}

export function streamPost(url: string, options: StreamPostOptions): Promise<StreamPostResult> {
  const chunkBytes = options.chunkBytes ?? 64 * 1024
  const chunk = Buffer.alloc(chunkBytes, 0x20)
  const tail = Buffer.from(options.tail ?? '')
  const padding = options.bytes - tail.length
  const headers: Record<string, string> = { ...options.headers }
  if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength)
  return new Promise<StreamPostResult>((resolve, reject) => {
    // A keep-alive agent, so the server's choice to close the connection is its own.
    const agent = new Agent({ keepAlive: true })
    const outgoing = httpRequest(url, { method: 'POST', headers, agent })
    let written = 0
    let answered = false
    const pump = (): void => {
      while (!answered && written < options.bytes) {
        const piece = written < padding ? chunk.subarray(0, Math.min(chunkBytes, padding - written)) : tail
        written += piece.length
        if (!outgoing.write(piece)) {
          outgoing.once('drain', pump)
          return
        }
      }
      if (!answered && options.contentLength === undefined) outgoing.end()
    }
    outgoing.on('response', (incoming) => {
      answered = true
      const writtenAtResponse = written
      const finishedSending = outgoing.writableEnded
      const parts: Buffer[] = []
      incoming.on('data', (part: Buffer) => parts.push(part))
      const done = () => {
        outgoing.destroy()
        agent.destroy()
        resolve({
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          body: Buffer.concat(parts).toString('utf8'),
          writtenAtResponse,
          finishedSending,
        })
      }
      incoming.on('end', done)
      incoming.on('error', done)
    })
    // Once answered, the server may close while this side still writes (EPIPE, ECONNRESET): expected.
    outgoing.on('error', (error) => {
      if (answered) return
      agent.destroy()
      reject(error)
    })
    outgoing.flushHeaders()
    pump()
  })
}
