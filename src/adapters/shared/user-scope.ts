/**
 * Whose response a request gets, the rule that keeps a response cache from serving one
 * user's page to another: a route marked shared is everybody's; a request whose user is
 * known is that user's; a request without credentials is anonymous; and a request with
 * credentials but no known user has no scope at all (its response could be anyone's).
 */
import { ValidationError } from '../../core/errors/index.js'
import type { ResponseScope } from './response-key.js'

/**
 * True when the request carries credentials: any non-blank `Cookie` or `Authorization`
 * header. No guess from cookie names: a `uid` cookie is as much a credential as `connect.sid`.
 */
export function hasCredentials(header: (name: string) => string | null | undefined): boolean {
  return isFilled(header('authorization')) || isFilled(header('cookie'))
}

/** What {@link resolveScope} needs to know about one request. */
export interface ScopeInput {
  /** The route said its response is the same for everyone. */
  readonly shared: boolean
  /** Who is asking, as the `user` option returned it (callers need not ask for shared routes). */
  readonly who: unknown
  /** The request carries credentials ({@link hasCredentials}). */
  readonly credentials: boolean
}

/**
 * The request's scope, or `undefined` when it carries credentials and names nobody. `who`
 * returning `null` says "signed out, whatever the cookies": the request is anonymous.
 * @throws {ValidationError} when `who` returns something that is not an id (an object, a boolean, NaN).
 */
export function resolveScope({ shared, who, credentials }: ScopeInput): ResponseScope | undefined {
  if (shared) return SHARED
  if (who === null) return ANONYMOUS
  const user = userId(who)
  if (user !== undefined) return { kind: 'user', user }
  return credentials ? undefined : ANONYMOUS
}

/**
 * The error for a request {@link resolveScope} found no scope for. `route` names the
 * route (its key or URL); `naming` says how this adapter learns the user.
 */
export function unscopedRequestError(route: string, naming: string): ValidationError {
  return new ValidationError(
    `response cache for ${JSON.stringify(route)}: the request carries credentials (a Cookie or Authorization header) but no user was found, so its response could be anyone's: the response cache refuses it. ` +
      `Name the user (${naming}), or mark the route \`shared: true\` if its response is the same for everyone.`,
  )
}

const SHARED: ResponseScope = Object.freeze({ kind: 'shared' })
const ANONYMOUS: ResponseScope = Object.freeze({ kind: 'anonymous' })

/** An id as text; `undefined` and `''` name nobody. */
function userId(who: unknown): string | undefined {
  if (who === undefined || who === '') return undefined
  if (typeof who === 'string') return who
  if ((typeof who === 'number' && Number.isFinite(who)) || typeof who === 'bigint') return String(who)
  // String(someObject) is '[object Object]' for every user: one entry for all of them.
  throw new ValidationError(
    `response cache: \`user\` must return a string or number id, undefined for nobody found or null for signed out; got ${describe(who)}`,
  )
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  return Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`
}

function isFilled(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.trim() !== ''
}
