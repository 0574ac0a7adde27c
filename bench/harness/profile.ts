/**
 * CPU profiles of one contender's measured loop, through the inspector in this process:
 * `npm run bench -- <scenario> --profile <contender id>`. Writes the .cpuprofile (open it
 * in Chrome DevTools) and prints the functions with the most self time.
 */
import { writeFileSync, mkdirSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join, relative } from 'node:path'
import { ROOT } from './versions.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** Profiles `work` and returns the summary lines; the profile goes to .tmp/bench-profiles/<name>.cpuprofile (git-ignored). */
export async function profile(name: string, work: () => Promise<unknown>): Promise<string[]> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 50 })
  await session.post('Profiler.start')
  let result: CpuProfile
  try {
    await work()
  } finally {
    result = ((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile
    session.disconnect()
  }
  const dir = join(ROOT, '.tmp', 'bench-profiles')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}.cpuprofile`)
  writeFileSync(file, JSON.stringify(result))
  return [`profile written to ${relative(ROOT, file)}`, ...summarize(result)]
}

/** Self time per function (url:line), top 25, as a share of all samples. */
export function summarize(result: CpuProfile, top = 25): string[] {
  const byId = new Map(result.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let total = 0
  for (const id of result.samples) {
    const node = byId.get(id)
    if (!node) continue
    const frame = node.callFrame
    const where = frame.url ? `${shorten(frame.url)}:${frame.lineNumber + 1}` : ''
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim()
    self.set(key, (self.get(key) ?? 0) + 1)
    total++
  }
  return [...self.entries()]
    .sort(([, a], [, b]) => b - a)
    .slice(0, top)
    .map(([key, count]) => `${((count / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, '')
  const nodeModules = path.lastIndexOf('node_modules/')
  if (nodeModules >= 0) return path.slice(nodeModules + 'node_modules/'.length)
  return path.startsWith(ROOT) ? relative(ROOT, path) : path
}
