import { defineScript } from '../core/script.js'

/**
 * Deletes KEYS[1] only if it holds ARGV[1]. Returns 1 when deleted, 0 otherwise.
 * The building block of safe lock release: never delete someone else's value.
 * Self-contained Lua: the compare-and-* scripts share only their one-line
 * `GET KEYS[1] == ARGV[1]` guard, kept inline so each script reads whole.
 */
export const compareAndDelete = defineScript<boolean>({
  name: 'compare-and-delete',
  numKeys: 1,
  lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`,
  sha1: 'b6a796aa8d73bb4ce6e26afe648196d086a8d1f1',
  run: (ctx, [key], [expected]) => (ctx.get(key as string) === expected ? ctx.del([key as string]) : 0),
  parse: (reply) => reply === 1,
})
