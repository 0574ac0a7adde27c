/**
 * Benchmark data, generated once before anything is timed and identical for every
 * library: ~1 KB JSON objects, key numbers, and the order in which keys are read.
 */

/** A catalogue item: plain JSON, about `bytes` long when stringified. */
export interface Item {
  id: number
  title: string
  author: { id: number; name: string }
  tags: string[]
  views: number
  published: boolean
  body: string
}

/** A deterministic pseudo-random generator (mulberry32), so every run reads the same keys. */
export function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` items of about `bytes` bytes of JSON each. */
export function makeItems(count: number, bytes = 1024, seed = 42): Item[] {
  const next = random(seed)
  const items: Item[] = []
  for (let id = 0; id < count; id++) {
    const base: Item = {
      id,
      title: `Item ${id}: ${word(next)} ${word(next)} ${word(next)}`,
      author: { id: Math.floor(next() * 10_000), name: `${word(next)} ${word(next)}` },
      tags: [word(next), word(next), word(next)],
      views: Math.floor(next() * 1_000_000),
      published: next() > 0.2,
      body: '',
    }
    const room = Math.max(0, bytes - JSON.stringify(base).length)
    let body = ''
    while (body.length < room) body += `${word(next)} `
    base.body = body.slice(0, room)
    items.push(base)
  }
  return items
}

/**
 * The order keys are read in: `length` (a power of two) uniformly random key numbers
 * below `keyCount`. Operation n reads key `order[n & (length - 1)]`.
 */
export function readOrder(keyCount: number, length = 1 << 16, seed = 7): Uint32Array {
  const next = random(seed)
  const order = new Uint32Array(length)
  for (let i = 0; i < length; i++) order[i] = Math.floor(next() * keyCount)
  return order
}

const WORDS = [
  'redis',
  'cache',
  'video',
  'stream',
  'lorem',
  'ipsum',
  'delta',
  'gamma',
  'orbit',
  'pixel',
  'quartz',
  'amber',
  'cobalt',
  'falcon',
  'harbor',
  'meadow',
]

function word(next: () => number): string {
  return WORDS[Math.floor(next() * WORDS.length)] as string
}
