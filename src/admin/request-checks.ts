/**
 * Checks that make a state-changing admin request safe to run: POST with a JSON body
 * (a cross-site form cannot send one without a CORS preflight, which the handler never
 * grants) from this origin (Origin and Sec-Fetch-Site, when the client sends them), of a
 * bounded size: the body is read as a stream and never past `maxBodyBytes`.
 */
import { concatBytes } from '../core/bytes.js'

/** Why a request was refused: status, a stable code and a message safe to show. */
export interface Refusal {
  readonly status: number
  readonly code: 'REFUSED' | 'PAYLOAD_TOO_LARGE' | 'VALIDATION_ERROR'
  readonly message: string
}

/** A refusal, or undefined when a destructive request may proceed to reading its body. */
export function checkDestructiveRequest(request: Request, allowedOrigins: readonly string[], maxBodyBytes: number): Refusal | undefined {
  const contentType = request.headers.get('content-type') ?? ''
  if (!/^application\/json\b/i.test(contentType))
    return { status: 415, code: 'REFUSED', message: 'send a JSON body (content-type: application/json)' }
  const origin = request.headers.get('origin')
  const own = new URL(request.url).origin
  if (origin !== null && origin !== own && !allowedOrigins.includes(origin))
    return { status: 403, code: 'REFUSED', message: 'cross-origin requests are refused' }
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin' && site !== 'none' && !(origin !== null && allowedOrigins.includes(origin))) {
    return { status: 403, code: 'REFUSED', message: 'cross-site requests are refused' }
  }
  // A declared length is refused before a byte is read; a chunked body is counted while it streams.
  if (Number(request.headers.get('content-length') ?? '0') > maxBodyBytes) return tooLarge(maxBodyBytes)
  return undefined
}

/** A body read by {@link readJsonObject}: the object, or why it was refused. */
export type JsonBody = { readonly object: Record<string, unknown> } | { readonly refusal: Refusal }

/**
 * Reads the body as a JSON object, pulling chunks and counting bytes: past `maxBodyBytes`
 * it cancels the stream (the rest is never read) and answers a 413 refusal.
 */
export async function readJsonObject(request: Request, maxBodyBytes: number): Promise<JsonBody> {
  const bytes = await readCapped(request, maxBodyBytes)
  if (bytes === 'too-large') return { refusal: tooLarge(maxBodyBytes) }
  if (bytes === 'unreadable') return { refusal: { status: 400, code: 'VALIDATION_ERROR', message: 'the body could not be read' } }
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes))
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { object: value as Record<string, unknown> }
  } catch {
    // not JSON: refused below, like any other non-object
  }
  return { refusal: { status: 400, code: 'VALIDATION_ERROR', message: 'the body must be a JSON object' } }
}

function tooLarge(maxBodyBytes: number): Refusal {
  return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `the body must be at most ${maxBodyBytes} bytes` }
}

async function readCapped(request: Request, maxBodyBytes: number): Promise<Uint8Array | 'too-large' | 'unreadable'> {
  if (request.body === null) return new Uint8Array(0)
  let reader: ReadableStreamDefaultReader<Uint8Array>
  try {
    reader = request.body.getReader()
  } catch {
    return 'unreadable' // already read by something in front of the handler
  }
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (!ArrayBuffer.isView(value)) return 'unreadable'
      size += value.byteLength
      if (size > maxBodyBytes) {
        // Not awaited: a source that ignores cancellation must not hold the 413 back.
        reader.cancel().catch(() => undefined)
        return 'too-large'
      }
      chunks.push(value)
    }
  } catch {
    return 'unreadable' // the client went away mid-body, or the stream failed
  }
  return concatBytes(chunks, size)
}
