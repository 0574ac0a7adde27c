/**
 * What the Fetch-runtime middlewares (Hono, Next.js) add to the shared check: the client
 * address from `trustedHops` and `ip`, checked at setup. Edge-safe.
 */
import { ValidationError } from '../../core/errors/index.js'
import type { AnyCachekit } from './any-kit.js'
import { clientIpFromHeaders, fetchClient, fetchClientProblem, type FetchClientOptions } from './client-source.js'
import { rateLimitCheck, type RateLimitCheck, type RateLimitCheckOptions } from './rate-limit-check.js'

/**
 * The shared check over a Fetch request's headers.
 * @throws {ValidationError} for a bad option, or for no way to tell clients apart (no
 * `key`, no `ip`, no `trustedHops`): every client would have no key.
 */
export function fetchRateLimitCheck<Input, Kit extends AnyCachekit>(
  kit: Kit,
  options: RateLimitCheckOptions<Input, Kit> & FetchClientOptions<Input>,
  headersOf: (input: Input) => Headers,
): RateLimitCheck<Input> {
  const problem = options !== null && typeof options === 'object' ? fetchClientProblem(options as FetchClientOptions<never>) : undefined
  if (problem !== undefined) throw new ValidationError(`rateLimit: ${problem}`)
  if (options?.key === undefined && options?.ip === undefined && !options?.trustedHops) {
    throw new ValidationError(
      "rateLimit: without key, the client is counted by IP: pass ip (the platform's peer address) or trustedHops (the number of proxies that append to X-Forwarded-For), or a key",
    )
  }
  return rateLimitCheck(kit, options, fetchClient(headersOf, options ?? {}))
}

/** The client's address of a Fetch request, by the same rule as the default key. */
export function fetchClientIp<Input>(input: Input, headers: Headers, options: FetchClientOptions<Input>): string | undefined {
  const problem = fetchClientProblem(options as FetchClientOptions<never>)
  if (problem !== undefined) throw new ValidationError(`clientIp: ${problem}`)
  return clientIpFromHeaders(headers.get('x-forwarded-for'), options.trustedHops ?? 0, () => options.ip?.(input) ?? undefined)
}
