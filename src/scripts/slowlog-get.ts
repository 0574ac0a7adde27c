import { defineScript } from '../core/script.js'

/** One node's slow log, as {@link slowlogGet} returns it. */
export interface NodeSlowlog {
  /** The server's `run_id` (`''` where INFO is refused in scripts; `'memory'` on the memory driver). */
  readonly nodeId: string
  /** Raw SLOWLOG GET entries: `[id, unix seconds, microseconds, [args...], client address, client name]`. */
  readonly entries: readonly unknown[]
}

/**
 * SLOWLOG GET ARGV[1] on the node that owns KEYS[1] (a routing key the script never
 * touches: on a cluster it picks the node). `null` where the server refuses SLOWLOG in
 * scripts (managed services may).
 *
 * The twin is a constant, `['memory', []]`: the memory driver keeps no slow log. It
 * matches Redis only in shape and on an empty log (`SLOWLOG GET 0`, the parity scenario
 * in test/scripts); it never reports entries, and its node id is `'memory'`, not a
 * `run_id`.
 * Self-contained Lua: it shares no code with another script, so it uses no fragment.
 */
export const slowlogGet = defineScript<NodeSlowlog | null>({
  name: 'slowlog-get',
  numKeys: 1,
  lua: `local ok, entries = pcall(redis.call, 'SLOWLOG', 'GET', ARGV[1])
if not ok then return false end
local found, server = pcall(redis.call, 'INFO', 'server')
local id = ''
if found then id = string.match(server, 'run_id:(%x+)') or '' end
return {id, entries}`,
  sha1: 'b26e389a24a7713161c0befbdd459a9c9520c27a',
  run: () => ['memory', []],
  parse: (reply) => {
    if (!Array.isArray(reply)) return null
    const [nodeId, entries] = reply
    return { nodeId: String(nodeId), entries: Array.isArray(entries) ? entries : [] }
  },
})
