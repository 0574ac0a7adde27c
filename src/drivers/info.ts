/**
 * Parsing Redis `INFO` text: `# Section` headers and `field:value` lines. On a cluster
 * the ioredis driver answers every master's INFO, each preceded by `# Node host:port`;
 * the parser keeps them apart, because memory and keyspace figures are per node.
 */

/** One server's INFO: section name (lower case) -> field -> raw value. */
export interface InfoNode {
  /** `host:port` on a cluster; undefined for a single server. */
  readonly node: string | undefined
  readonly sections: Readonly<Record<string, Readonly<Record<string, string>>>>
}

const NODE_HEADER = /^# Node (\S+)$/

/**
 * Splits INFO text into one entry per server.
 *
 * @example parseInfo('# Memory\r\nused_memory:1024\r\n')[0].sections.memory.used_memory // '1024'
 */
export function parseInfo(text: string): InfoNode[] {
  const nodes: { node: string | undefined; sections: Record<string, Record<string, string>> }[] = []
  let current: (typeof nodes)[number] | undefined
  let section: Record<string, string> | undefined
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim()
    if (line === '') continue
    const nodeHeader = NODE_HEADER.exec(line)
    if (nodeHeader) {
      current = { node: nodeHeader[1], sections: {} }
      nodes.push(current)
      section = undefined
      continue
    }
    if (!current) {
      current = { node: undefined, sections: {} }
      nodes.push(current)
    }
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase()
      section = current.sections[name] ?? {}
      current.sections[name] = section
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    section ??= current.sections[''] ??= {}
    section[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return nodes
}

/** A numeric INFO field of any section, or undefined when absent or not a number. */
export function infoNumber(node: InfoNode, field: string): number | undefined {
  const text = infoField(node, field)
  if (text === undefined) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

/** A raw INFO field, searched in every section (field names are unique across sections). */
export function infoField(node: InfoNode, field: string): string | undefined {
  for (const section of Object.values(node.sections)) {
    const value = section[field]
    if (value !== undefined) return value
  }
  return undefined
}

/** One database line of the Keyspace section: `db0:keys=12,expires=3,avg_ttl=5000`. */
export interface KeyspaceEntry {
  keys: number
  expires: number
  /** Average TTL of keys with one, in ms (Redis estimates it). */
  avgTtlMs: number
}

/** The Keyspace section of one node: database name -> counts. */
export function parseKeyspace(node: InfoNode): Record<string, KeyspaceEntry> {
  const result: Record<string, KeyspaceEntry> = {}
  for (const [db, value] of Object.entries(node.sections.keyspace ?? {})) {
    const fields = Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]))
    result[db] = { keys: Number(fields.keys) || 0, expires: Number(fields.expires) || 0, avgTtlMs: Number(fields.avg_ttl) || 0 }
  }
  return result
}
