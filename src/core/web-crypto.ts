/**
 * Random tokens and SHA-256 through Web Crypto (`globalThis.crypto`), so features that
 * need them run unchanged on Node, edge runtimes and browsers: no `node:crypto`.
 */

/**
 * `byteLength` cryptographically random bytes as base64url text (no padding).
 * @example randomToken(32) // 43 characters of [A-Za-z0-9_-]
 */
export function randomToken(byteLength: number): string {
  const bytes = new Uint8Array(byteLength)
  globalThis.crypto.getRandomValues(bytes)
  return toBase64url(bytes)
}

/**
 * SHA-256 of `input` (text is hashed as UTF-8) as base64url text (43 characters).
 * @example await sha256Base64url('hello') // 'LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ'
 */
export async function sha256Base64url(input: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input
  return toBase64url(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes)))
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// By hand: `btoa` needs a binary string and `Buffer` is Node-only.
function toBase64url(bytes: Uint8Array): string {
  let text = ''
  for (let index = 0; index < bytes.length; index += 3) {
    const a = bytes[index] as number
    const b = bytes[index + 1]
    const c = bytes[index + 2]
    text += ALPHABET[a >> 2]
    text += ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]
    if (b !== undefined) text += ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]
    if (c !== undefined) text += ALPHABET[c & 63]
  }
  return text
}
