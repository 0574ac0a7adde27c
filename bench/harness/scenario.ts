/** What a scenario is and what it gets to run with. */
import type { BenchRedis } from './redis-server.js'
import type { CommandStats } from './command-stats.js'
import type { GroupResult, ScenarioResult, TargetResult } from './types.js'

export interface BenchOptions {
  rounds: number
  roundMs: number
  warmupMs: number
  /** A short smoke run (fewer rounds, shorter segments): numbers are not for publishing. */
  quick: boolean
  /** Contender id to CPU-profile after its rounds. */
  profile?: string
  /** Measure only these contender ids (an investigation: results are not written). */
  only?: string[]
}

export interface BenchContext {
  redis: BenchRedis
  commandStats: CommandStats
  options: BenchOptions
  log(line: string): void
  /** A key prefix no other scenario or contender uses. */
  prefix(name: string): string
}

/** What a scenario returns; the runner adds the run information. */
export interface ScenarioOutcome {
  groups: GroupResult[]
  targets: TargetResult[]
  notes: string[]
}

export interface Scenario {
  /** CLI name: `npm run bench -- <name>`. */
  name: string
  title: string
  description: string
  /** Present while the feature it measures does not exist yet; the scenario then only reports why. */
  pending?: () => string | undefined
  run(context: BenchContext): Promise<ScenarioOutcome>
}

export type { ScenarioResult }
