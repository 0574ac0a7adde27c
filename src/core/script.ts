/**
 * Scripts: atomic multi-step operations defined once, run everywhere.
 *
 * A script is Lua for Redis and Upstash plus a JavaScript twin for the memory driver.
 * The SHA-1 is precomputed (edge runtimes have no synchronous hash) and rewritten by
 * `npm run scripts:sha`; a test asserts `SCRIPT LOAD(lua) === sha1` for every script,
 * and a parity test runs both halves on the same inputs.
 */
import { ValidationError } from './errors/index.js'

/** A raw script reply as Redis returns it: Lua numbers become integers, false/nil become null. */
export type ScriptReply = string | number | null | ScriptReply[]

/** Options of {@link ScriptContext.set}, as in Redis `SET`. */
export interface ScriptSetOptions {
  ttlMs?: number
  nx?: boolean
  xx?: boolean
  keepTtl?: boolean
}

/** A sorted-set member with its score. */
export interface ScoredMember {
  member: string
  score: number
}

/**
 * The synchronous Redis the JS twin of a script runs against (the memory driver's store).
 * Each method behaves as the Redis command of the same name, including WRONGTYPE errors.
 */
export interface ScriptContext {
  /** Milliseconds since the epoch, as the twin should read the clock (Redis `TIME`). */
  nowMs(): number
  get(key: string): string | null
  set(key: string, value: string, options?: ScriptSetOptions): boolean
  del(keys: readonly string[]): number
  exists(keys: readonly string[]): number
  pttl(key: string): number
  pexpire(key: string, ttlMs: number): boolean
  persist(key: string): boolean
  incrBy(key: string, by: number): number
  rename(source: string, destination: string): void
  hget(key: string, field: string): string | null
  hset(key: string, fields: Readonly<Record<string, string>>): number
  hdel(key: string, fields: readonly string[]): number
  hgetall(key: string): Record<string, string>
  hincrBy(key: string, field: string, by: number): number
  sadd(key: string, members: readonly string[]): number
  srem(key: string, members: readonly string[]): number
  smembers(key: string): string[]
  sismember(key: string, member: string): boolean
  scard(key: string): number
  zadd(key: string, entries: readonly ScoredMember[]): number
  zincrBy(key: string, member: string, by: number): number
  zrem(key: string, members: readonly string[]): number
  zscore(key: string, member: string): number | null
  zcard(key: string): number
  zrangeWithScores(key: string, start: number, stop: number, options?: { rev?: boolean }): ScoredMember[]
  zremRangeByScore(key: string, min: number, max: number): number
}

/** A script: Lua source, its SHA-1, its key count and its JavaScript twin. */
export interface Script<T = ScriptReply> {
  /** Short name, used in errors and metrics. */
  readonly name: string
  /** The Lua source Redis and Upstash run. */
  readonly lua: string
  /** SHA-1 of `lua` (hex), as `SCRIPT LOAD` returns it. */
  readonly sha1: string
  /** How many KEYS the script takes, or `'any'` for a variable count. */
  readonly numKeys: number | 'any'
  /** The JavaScript twin the memory driver runs. Must return exactly what the Lua returns. */
  readonly run: (ctx: ScriptContext, keys: readonly string[], args: readonly string[]) => ScriptReply
  /** Turns the raw reply into the script's result type. */
  readonly parse: (reply: ScriptReply) => T
}

/** What {@link defineScript} takes. */
export interface ScriptDefinition<T> {
  name: string
  lua: string
  sha1: string
  numKeys: number | 'any'
  run: (ctx: ScriptContext, keys: readonly string[], args: readonly string[]) => ScriptReply
  parse?: (reply: ScriptReply) => T
}

/** Defines a script. The definition is frozen; scripts are module-level constants. */
export function defineScript<T = ScriptReply>(definition: ScriptDefinition<T>): Script<T> {
  if (!/^[0-9a-f]{40}$/.test(definition.sha1)) {
    throw new ValidationError(`script ${definition.name}: sha1 must be 40 lowercase hex characters`)
  }
  return Object.freeze({
    name: definition.name,
    lua: definition.lua,
    sha1: definition.sha1,
    numKeys: definition.numKeys,
    run: definition.run,
    parse: definition.parse ?? ((reply: ScriptReply) => reply as T),
  })
}

/** Checks the call's key count against the script's declaration. */
export function assertScriptKeys(script: Script<unknown>, keys: readonly string[]): void {
  if (script.numKeys !== 'any' && keys.length !== script.numKeys) {
    throw new ValidationError(`script ${script.name} takes ${script.numKeys} key(s), got ${keys.length}`)
  }
}

/** The two ways a remote driver can run a script. */
export interface ScriptTransport {
  evalsha(sha1: string, keys: readonly string[], args: readonly string[]): Promise<unknown>
  eval(lua: string, keys: readonly string[], args: readonly string[]): Promise<unknown>
}

/**
 * EVALSHA, falling back to EVAL when the server has lost the script (restart,
 * failover, SCRIPT FLUSH). The only place a NOSCRIPT reply is handled, so it never
 * reaches users. EVAL also caches the script server-side for the next EVALSHA.
 */
export async function evalWithFallback(
  transport: ScriptTransport,
  script: Script<unknown>,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  try {
    return await transport.evalsha(script.sha1, keys, args)
  } catch (error) {
    if (!isNoScriptError(error)) throw error
    return transport.eval(script.lua, keys, args)
  }
}

/** True for a server's NOSCRIPT reply, however the client wraps it. */
function isNoScriptError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error)
  return /NOSCRIPT/i.test(message)
}

/**
 * Formats a double as Redis 7.0 does in replies to Lua (`%.17g`), so a JS twin that
 * returns a sorted-set score returns the same string the Lua half does.
 */
export function formatRedisDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (value === Number.POSITIVE_INFINITY) return 'inf'
  if (value === Number.NEGATIVE_INFINITY) return '-inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const [mantissa, exponentText] = value.toExponential(16).split('e') as [string, string]
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 17) {
    const digits = stripZeros(mantissa)
    const sign = exponent < 0 ? '-' : '+'
    return `${digits}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  return stripZeros(value.toFixed(16 - exponent))
}

function stripZeros(text: string): string {
  if (!text.includes('.')) return text
  return text.replace(/\.?0+$/, '')
}

/**
 * Builds a reply array the way Lua does: a table ends at its first `nil`, so items
 * after an `undefined` are dropped. (`false` in Lua, which twins write as `null`,
 * does not end the table; it becomes a nil entry.)
 */
export function luaArray(...items: (ScriptReply | undefined)[]): ScriptReply[] {
  const end = items.indexOf(undefined)
  return (end === -1 ? items : items.slice(0, end)) as ScriptReply[]
}
