import { integerOption, stringOption } from '../args.js'
import { EXIT, type CommandContext } from '../command.js'
import { formatBytes, table } from '../format.js'

/** `cachekit keys [--family F] [--sample N] [--max-scan N]`: keys and memory per family. */
export async function keys(context: CommandContext): Promise<number> {
  const report = await context.kit.monitor.keyDistribution({
    family: stringOption(context.args, 'family'),
    sample: integerOption(context.args, 'sample', 500),
    maxScan: integerOption(context.args, 'max-scan', 100_000),
  })
  if (context.json) {
    context.printJson(report)
    return EXIT.ok
  }
  const prefix = context.kit.namespace.prefix || '(no prefix)'
  context.print(
    `${report.scanned} keys under ${prefix}${report.complete ? '' : ' (scan stopped at --max-scan)'}, ${report.sampled} sampled\n`,
  )
  context.print(
    table(
      ['family', 'keys', 'sampled', 'avg size', 'est. memory', 'no TTL', 'avg TTL'],
      report.families.map((family) => [
        family.family,
        family.keys,
        family.sampled,
        family.avgBytes === null ? '-' : formatBytes(family.avgBytes),
        family.estimatedBytes === null ? '-' : formatBytes(family.estimatedBytes),
        family.withoutTtl,
        family.avgTtlMs === null ? '-' : `${Math.round(family.avgTtlMs / 1000)} s`,
      ]),
    ),
  )
  return EXIT.ok
}
