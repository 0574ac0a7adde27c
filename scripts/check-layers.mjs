// Fails (exit 1) when imports in src/ stop running one way: a cycle between two files, a
// cycle between two folders, or a file importing a layer above its own.
//
// The layers, lowest first. A file may import its own folder, a folder of its own layer
// (as long as no cycle appears between folders) or any layer below:
//
//   core                      errors, durations, scripts' shape, slots, events, single flights
//   codec, keys               envelopes and codecs; key templates, escaping, families
//   drivers                   the Driver contract, the breaker, INFO parsing, outages; memory, ioredis, upstash
//   scripts                   Lua scripts with their JavaScript twins
//   invalidation, cache       tag stamps and patterns; the cache built on them
//   features                  builders, cascades, rate limits, locks, counters, sessions, idempotency, flags, channels
//   operations                guard, monitor, admin
//   kit                       kit.ts, app-features.ts: createCachekit wires everything
//   entry points              index.ts, adapters, cli, otel, prometheus, testing, driver-tools, ops
//
// A folder is a top-level folder of src/, or one driver or one adapter (src/drivers/memory,
// src/adapters/express, ...). Every import counts, `import type` included: a type-only
// cycle still means neither file can be read, moved or tested without the other, and
// the next value import along it would turn it into a runtime cycle. Dynamic `import()`
// counts too. A new folder must be placed in LAYERS before it passes.
//
// Usage: node scripts/check-layers.mjs [source folder, default: src]
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

/** Lowest first; every folder of src/ appears in exactly one layer. */
export const LAYERS = [
  { name: 'core', folders: ['core'] },
  { name: 'codec, keys', folders: ['codec', 'keys'] },
  { name: 'drivers', folders: ['drivers', 'drivers/memory', 'drivers/ioredis', 'drivers/upstash'] },
  { name: 'scripts', folders: ['scripts'] },
  { name: 'invalidation, cache', folders: ['invalidation', 'cache'] },
  {
    name: 'features',
    folders: ['builders', 'cascades', 'ratelimit', 'lock', 'counter', 'session', 'idempotency', 'flags', 'channels'],
  },
  { name: 'operations', folders: ['guard', 'monitor', 'admin'] },
  { name: 'kit', folders: ['kit.ts', 'app-features.ts'] },
  {
    name: 'entry points',
    folders: [
      'index.ts',
      'adapters/shared',
      'adapters/express',
      'adapters/next',
      'adapters/nestjs',
      'adapters/hono',
      'adapters/keyv',
      'cli',
      'otel',
      'prometheus',
      'testing',
      'driver-tools',
      'ops',
    ],
  },
]

const sourceRoot = resolve(process.argv[2] ?? join(dirname(new URL(import.meta.url).pathname), '..', 'src'))
const layerOf = new Map(LAYERS.flatMap((layer, rank) => layer.folders.map((folder) => [folder, { rank, name: layer.name }])))

const files = listSources(sourceRoot)
const problems = []
/** file -> imported files (both relative to the source root). */
const graph = new Map(files.map((file) => [file, importsOf(file)]))

for (const file of files) {
  if (!layerOf.has(folderOf(file)))
    problems.push(`${show(file)}: folder ${folderOf(file)} has no layer (add it to LAYERS in scripts/check-layers.mjs)`)
}
for (const [file, targets] of graph) {
  const from = layerOf.get(folderOf(file))
  for (const target of targets) {
    const to = layerOf.get(folderOf(target))
    if (from && to && to.rank > from.rank) {
      problems.push(`${show(file)} (${from.name}) imports ${show(target)} (${to.name}), a layer above its own`)
    }
  }
}
for (const cycle of cycles(graph)) problems.push(`import cycle between files: ${cycle.map(show).join(' -> ')}`)
const folderGraph = new Map()
for (const [file, targets] of graph) {
  const from = folderOf(file)
  if (!folderGraph.has(from)) folderGraph.set(from, new Set())
  for (const target of targets) if (folderOf(target) !== from) folderGraph.get(from).add(folderOf(target))
}
for (const cycle of cycles(folderGraph)) {
  const witnesses = cycle.slice(1).map((to, index) => witness(cycle[index], to))
  problems.push(`import cycle between folders: ${cycle.join(' -> ')} (${witnesses.join('; ')})`)
}

if (problems.length > 0) {
  console.error(`imports must run one way (layers in scripts/check-layers.mjs):\n  - ${problems.join('\n  - ')}`)
  process.exit(1)
}
const imports = [...graph.values()].reduce((sum, targets) => sum + targets.size, 0)
console.log(`layers check: ${files.length} files, ${imports} imports, no cycles, every import runs down or sideways`)

function listSources(dir) {
  const found = []
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) found.push(...listSources(path))
    else if (/\.(ts|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) found.push(relative(sourceRoot, path))
  }
  return found
}

/** The source files `file` imports: static imports and re-exports (type-only ones too) and dynamic `import()`. */
function importsOf(file) {
  const text = readFileSync(join(sourceRoot, file), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const specifiers = []
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text)
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  const targets = new Set()
  for (const specifier of specifiers) {
    if (!specifier.startsWith('.')) continue
    const target = relative(sourceRoot, resolve(sourceRoot, dirname(file), specifier)).replace(/\.(m|c)?js$/, '.$1ts')
    if (target.startsWith('..')) problems.push(`${show(file)} imports ${specifier}, outside ${show('')}`)
    else if (!files.includes(target)) problems.push(`${show(file)} imports ${specifier}, which is not a source file`)
    else targets.add(target)
  }
  return targets
}

/** `cache/l1.ts` -> `cache`; `drivers/memory/store.ts` -> `drivers/memory`; `kit.ts` -> `kit.ts`. */
function folderOf(file) {
  const parts = file.split('/')
  if (parts.length === 1) return parts[0]
  if ((parts[0] === 'drivers' || parts[0] === 'adapters') && parts.length > 2) return `${parts[0]}/${parts[1]}`
  return parts[0]
}

/** One import that makes `from` depend on `to`, for the message. */
function witness(from, to) {
  for (const [file, targets] of graph) {
    if (folderOf(file) !== from) continue
    for (const target of targets) if (folderOf(target) === to) return `${show(file)} imports ${show(target)}`
  }
  return `${from} imports ${to}`
}

/** One cycle (first node repeated at the end) per strongly connected component of more than one node, or a self-import. */
function cycles(edges) {
  const found = []
  for (const component of stronglyConnected(edges)) {
    const [start] = component
    if (component.length === 1 && !edges.get(start)?.has(start)) continue
    found.push(pathBack(edges, start, new Set(component)))
  }
  return found
}

// Tarjan's algorithm, iterative so a deep import chain cannot overflow the stack.
function stronglyConnected(edges) {
  const index = new Map()
  const low = new Map()
  const onStack = new Set()
  const stack = []
  const components = []
  let next = 0
  for (const root of [...edges.keys()].sort()) {
    if (index.has(root)) continue
    const work = [{ node: root, targets: [...(edges.get(root) ?? [])].sort(), at: 0 }]
    index.set(root, next)
    low.set(root, next++)
    stack.push(root)
    onStack.add(root)
    while (work.length > 0) {
      const frame = work[work.length - 1]
      if (frame.at < frame.targets.length) {
        const target = frame.targets[frame.at++]
        if (!index.has(target)) {
          index.set(target, next)
          low.set(target, next++)
          stack.push(target)
          onStack.add(target)
          work.push({ node: target, targets: [...(edges.get(target) ?? [])].sort(), at: 0 })
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node), index.get(target)))
        }
        continue
      }
      work.pop()
      if (work.length > 0) {
        const parent = work[work.length - 1].node
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)))
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = []
        let member
        do {
          member = stack.pop()
          onStack.delete(member)
          component.push(member)
        } while (member !== frame.node)
        components.push(component.sort())
      }
    }
  }
  return components
}

/** A shortest path from `start` back to itself inside `members` (breadth first). */
function pathBack(edges, start, members) {
  const previous = new Map()
  const queue = [start]
  while (queue.length > 0) {
    const node = queue.shift()
    for (const target of [...(edges.get(node) ?? [])].sort()) {
      if (!members.has(target)) continue
      if (target === start) {
        const path = [start]
        for (let at = node; at !== start; at = previous.get(at)) path.unshift(at)
        path.unshift(start)
        return path
      }
      if (!previous.has(target)) {
        previous.set(target, node)
        queue.push(target)
      }
    }
  }
  return [start, start]
}

function show(file) {
  return join(relative(process.cwd(), sourceRoot) || '.', file)
}
