/**
 * Checks that make a state-changing admin request safe to run: POST with a JSON body
 * (a cross-site form cannot send one without a CORS preflight, which the handler never
 * grants) from this origin (Origin and Sec-Fetch-Site, when the client sends them).
 */

/** Why a request was refused: status and a message safe to show. */
export interface Refusal {
  readonly status: number
  readonly message: string
}

const MAX_BODY_BYTES = 16 * 1024

/** A refusal, or undefined when a destructive request may proceed. */
export function checkDestructiveRequest(request: Request, allowedOrigins: readonly string[]): Refusal | undefined {
  const contentType = request.headers.get('content-type') ?? ''
  if (!/^application\/json\b/i.test(contentType)) return { status: 415, message: 'send a JSON body (content-type: application/json)' }
  const origin = request.headers.get('origin')
  const own = new URL(request.url).origin
  if (origin !== null && origin !== own && !allowedOrigins.includes(origin)) return { status: 403, message: 'cross-origin requests are refused' }
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin' && site !== 'none' && !(origin !== null && allowedOrigins.includes(origin))) {
    return { status: 403, message: 'cross-site requests are refused' }
  }
  const length = Number(request.headers.get('content-length') ?? '0')
  if (length > MAX_BODY_BYTES) return { status: 413, message: `the body must be at most ${MAX_BODY_BYTES} bytes` }
  return undefined
}

/** Reads a JSON object body of at most 16 KiB; undefined when it is not one. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown> | undefined> {
  const text = await request.text()
  if (text.length > MAX_BODY_BYTES) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
