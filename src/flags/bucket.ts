/**
 * Percentage rollouts: a user's bucket (0 to 9999) for a flag is a hash of flag name and
 * user id, so it is the same in every process, after restarts and across versions (a test
 * pins known values), and a user who is in at 10 % stays in at 20 %. Each flag hashes
 * differently, so the first 10 % of one flag are not the first 10 % of every flag.
 * Synchronous on purpose (a check costs no await): FNV-1a over the UTF-8 bytes, then
 * MurmurHash3's finalizer so nearby ids spread evenly.
 */
const encoder = new TextEncoder()

/** The user's bucket for `flag`, 0 to 9999: in the rollout while below `percentage * 100`. */
export function rolloutBucket(flag: string, userId: string): number {
  const bytes = encoder.encode(`${flag}\u0000${userId}`)
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193)
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return (hash >>> 0) % 10_000
}
