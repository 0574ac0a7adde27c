import { ValidationError } from '../../core/errors/index.js'
import { stringOption } from '../args.js'
import { EXIT, type CommandContext } from '../command.js'

/** `cachekit invalidate --key K | --tag T | --pattern P`: within `--prefix`. */
export async function invalidate(context: CommandContext): Promise<number> {
  const given = (['key', 'tag', 'pattern'] as const).filter((name) => stringOption(context.args, name) !== undefined)
  if (given.length !== 1) throw new ValidationError('give exactly one of --key, --tag or --pattern')
  const kind = given[0] as 'key' | 'tag' | 'pattern'
  const value = stringOption(context.args, kind) as string
  const cache = context.kit.cache
  const result =
    kind === 'key'
      ? { deleted: await cache.delete(value, { onError: 'throw' }) }
      : kind === 'tag'
        ? await cache.invalidateTags([value])
        : await cache.invalidatePattern(value)
  if (context.json) context.printJson({ kind, value, result })
  else
    context.print(
      `invalidated ${kind} ${JSON.stringify(value)} in namespace ${JSON.stringify(context.kit.namespace.prefix)}: ${JSON.stringify(result)}`,
    )
  return EXIT.ok
}
