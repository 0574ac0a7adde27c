/**
 * Reading a Fetch body up to a cap, for the response caches. Edge-safe. The body is pulled
 * chunk by chunk and counted: when it ends within the cap, its bytes; past the cap, a
 * stream that gives the chunks held so far (letting each go) and then the rest of the
 * original, pulled only as the client reads, so no more than the cap and one chunk is
 * ever held.
 */
import { concatBytes } from '../../core/bytes.js'

/** What {@link readUpTo} found: the whole body, or a body too large to hold. */
export type CappedBody =
  | { readonly complete: true; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly complete: false; readonly body: ReadableStream<Uint8Array> }

/** Reads `body` while it stays within `maxBytes`. The original stream must not be read elsewhere. */
export async function readUpTo(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<CappedBody> {
  if (body === null) return { complete: true, bytes: new Uint8Array(0) }
  const reader = body.getReader()
  const held: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return { complete: true, bytes: concatBytes(held, size) }
    if (!ArrayBuffer.isView(value)) throw new TypeError('a response body stream must give Uint8Array chunks')
    held.push(value)
    size += value.byteLength
    if (size > maxBytes) return { complete: false, body: heldThenRest(held, reader) }
  }
}

function heldThenRest(held: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = held.shift()
        if (next !== undefined) return controller.enqueue(next)
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      },
      cancel(reason) {
        held.length = 0
        return reader.cancel(reason)
      },
    },
    // Pulled only when the client reads: the rest never piles up here.
    { highWaterMark: 0 },
  )
}
