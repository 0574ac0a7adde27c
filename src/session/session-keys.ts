/**
 * Where a user's sessions live: `<prefix>__sess:{<userTag>}:exp` (sorted set: handle ->
 * expiry) and `<prefix>__sess:{<userTag>}:data` (hash: records). The shared `{tag}` puts
 * both in one cluster slot, so every session script is single-slot.
 */
export function sessionKeys(prefix: string, tag: string): [expiries: string, records: string] {
  const base = `${prefix}__sess:{${tag}}`
  return [`${base}:exp`, `${base}:data`]
}
