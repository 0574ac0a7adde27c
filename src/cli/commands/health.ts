import { EXIT, type CommandContext } from '../command.js'
import { facts, formatBytes, millis, percent } from '../format.js'

/** `cachekit health`: exit 0 healthy, 1 degraded, 2 unhealthy. */
export async function health(context: CommandContext): Promise<number> {
  const report = await context.kit.monitor.health()
  if (context.json) context.printJson(report)
  else {
    const memory = report.memory
    context.print(
      facts([
        ['status', report.status.toUpperCase()],
        ['target', context.connection.target],
        ['server', report.driver.server ?? '-'],
        ['ping', report.driver.pingMs === null ? 'no answer' : millis(report.driver.pingMs)],
        [
          'memory',
          memory
            ? `${formatBytes(memory.usedBytes)} of ${memory.limitBytes === null ? 'no limit' : `${formatBytes(memory.limitBytes)} (${percent(memory.ratio)}, ${memory.limitSource})`}`
            : '-',
        ],
        ['policy', memory?.policy ?? '-'],
        ['circuit', report.circuit],
      ]),
    )
    context.print(
      report.issues.length === 0
        ? '\nno issues'
        : `\nissues:\n${report.issues.map((issue) => `  ${issue.severity.padEnd(8)} ${issue.check.padEnd(10)} ${issue.message}`).join('\n')}`,
    )
  }
  return report.status === 'healthy' ? EXIT.ok : report.status === 'degraded' ? EXIT.warning : EXIT.failure
}
