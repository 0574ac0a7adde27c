/**
 * Scrubs secrets out of text that leaves the process (admin error bodies): credentials
 * in URLs, bearer tokens, `password=`/`token=` pairs and long token-like runs, plus any
 * secret the application names.
 */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi
const BEARER = /\b(bearer)\s+[^\s"']+/gi
const PAIRS = /\b(password|passwd|pass|token|secret|apikey|api_key|auth)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi
// Upstash tokens and similar: long runs of base64/hex characters.
const TOKEN_LIKE = /[A-Za-z0-9+/_-]{40,}={0,2}/g

/**
 * `text` with secrets replaced by `***`.
 *
 * @example redact('connect to redis://:pw@host failed') // 'connect to redis://***@host failed'
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('***')
  return result.replace(URL_CREDENTIALS, '$1***@').replace(BEARER, '$1 ***').replace(PAIRS, '$1$2***').replace(TOKEN_LIKE, '***')
}
