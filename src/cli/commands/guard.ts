import { MemoryGuard } from '../../guard/memory-guard.js'
import { resolveGuardOptions } from '../../guard/options.js'
import { stringOption } from '../args.js'
import { EXIT, type CommandContext } from '../command.js'
import { facts, formatBytes, percent } from '../format.js'

/**
 * `cachekit guard [--budget 20mb] [--warn-at 0.8] [--critical-at 0.9]`: one guard check and
 * the configuration warnings. It evicts nothing: the CLI knows no key priorities.
 * Exit 0 ok, 1 warn, 2 critical (or the server could not be read).
 */
export async function guard(context: CommandContext): Promise<number> {
  const options = resolveGuardOptions({
    budget: stringOption(context.args, 'budget'),
    warnAt: numberOption(stringOption(context.args, 'warn-at')),
    criticalAt: numberOption(stringOption(context.args, 'critical-at')),
  })
  const memoryGuard = new MemoryGuard({ driver: context.kit.driver, namespace: context.kit.namespace, families: [] }, options)
  const report = await memoryGuard.check()
  const warnings = report.usage ? await memoryGuard.checkConfiguration() : []
  if (context.json) context.printJson({ ...report, warnings })
  else {
    const usage = report.usage
    context.print(
      facts([
        ['state', report.state.toUpperCase()],
        ['target', context.connection.target],
        ['used', usage ? formatBytes(usage.usedBytes) : '-'],
        ['limit', usage?.limitBytes != null ? `${formatBytes(usage.limitBytes)} (${usage.limitSource})` : 'none'],
        ['usage', percent(usage?.ratio)],
        ['thresholds', `warn at ${percent(options.warnAt)}, critical at ${percent(options.criticalAt)}`],
        ['policy', usage?.policy ?? '-'],
        ['evicted', usage ? `${usage.evictedKeys} keys (by Redis)` : '-'],
        ...(usage?.node ? [['fullest node', usage.node] as const] : []),
      ]),
    )
    if (report.error) context.print(`\nerror: ${report.error}`)
    context.print(
      warnings.length === 0
        ? '\nno configuration warnings'
        : `\nwarnings:\n${warnings.map((warning) => `  ${warning.check}: ${warning.message}`).join('\n')}`,
    )
  }
  if (report.usage === null) return EXIT.failure
  return report.state === 'ok' ? EXIT.ok : report.state === 'warn' ? EXIT.warning : EXIT.failure
}

function numberOption(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text)
}
