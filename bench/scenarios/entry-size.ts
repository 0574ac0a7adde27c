/**
 * Scenario 8: bytes Redis holds per entry, against the raw JSON of the value, for 100 B,
 * 1 KB and 100 KB values. Each library writes one entry through its own getOrSet; the
 * bytes are STRLEN of every key it wrote (found by SCAN on its prefix).
 */
import { Redis } from 'ioredis'
import type { Scenario } from '../harness/scenario.js'
import type { GroupResult, RowResult, TargetResult } from '../harness/types.js'
import { versionOf } from '../harness/versions.js'
import type { CacheSubject, SubjectConfig } from '../subjects/subject.js'
import { cachekitSubject, closeAll, fmtRatio, peerSubjects, row } from './common.js'

const SIZES = [
  { name: '100 B', bytes: 100 },
  { name: '1 KB', bytes: 1024 },
  { name: '100 KB', bytes: 100 * 1024 },
]

export const entrySize: Scenario = {
  name: 'entry-size',
  title: 'Bytes stored per entry',
  description:
    'What Redis holds for one cached value of 100 B, 1 KB and 100 KB of JSON (an object with a string body), written by each library through its own getOrSet in its Redis configuration. Bytes are the STRLEN of every key the library wrote for the entry; the ratio is to the raw JSON text.',
  async run(context) {
    // A logical database of its own: finding what each library wrote is then a SCAN over a
    // handful of keys, not over everything the other scenarios left behind.
    const redis = { ...context.redis, db: 1, url: `${context.redis.url}/1` }
    const client = new Redis(redis.url, { protocol: 2 })
    const groups: GroupResult[] = []
    const subjects: CacheSubject[] = []
    try {
      for (const size of SIZES) {
        const value = sizedValue(size.bytes)
        const raw = Buffer.byteLength(JSON.stringify(value))
        const config = (id: string): SubjectConfig => ({
          mode: 'redis',
          redis,
          prefix: context.prefix(`${size.bytes}-${id}`),
          keyCount: 1,
          l1MaxEntries: 1,
          ttlMs: 3_600_000,
        })
        const made: CacheSubject[] = []
        for (const [make, id] of [
          [(c: SubjectConfig) => cachekitSubject(c), 'ck'],
          [(c: SubjectConfig) => cachekitSubject(c, { id: 'cachekit-json', label: "codec: 'json'", codec: 'json' }), 'ckjson'],
        ] as const) {
          made.push(await make(config(id)))
        }
        made.push(...(await peerSubjects(config)))
        subjects.push(...made)
        const rows: RowResult[] = [
          {
            id: 'raw-json',
            label: 'JSON.stringify(value)',
            library: '',
            version: '',
            kind: 'baseline',
            metrics: { bytes: raw, ratio: 1, keys: 1 },
          },
        ]
        for (const subject of made) {
          const before = new Set(await allKeys(client))
          subject.loader = async () => value
          await subject.getOrSet(0)
          // Writes some libraries do not await (a background SET) land within a few ms.
          const written = await waitForKeys(client, before)
          let bytes = 0
          for (const key of written)
            bytes += (await client.type(key)) === 'string' ? await client.strlen(key) : Number(await client.call('memory', 'usage', key))
          rows.push({
            id: subject.id,
            label: subject.label,
            library: subject.library,
            version: versionOf(subject.library),
            kind: subject.kind,
            metrics: { bytes, ratio: Math.round((bytes / raw) * 1000) / 1000, keys: written.length },
          })
        }
        groups.push({
          id: `size-${size.bytes}`,
          title: `${size.name} value (${raw.toLocaleString('en')} bytes of JSON)`,
          description: 'Bytes per entry; ratio to the raw JSON; number of Redis keys written for the entry.',
          baseline: 'raw-json',
          columns: [
            { metric: 'bytes', label: 'bytes stored', format: 'int' },
            { metric: 'ratio', label: 'ratio to raw JSON', format: 'ratio' },
            { metric: 'keys', label: 'keys written', format: 'int' },
          ],
          chart: { metric: 'ratio', label: 'bytes stored / raw JSON bytes (lower is better)', format: 'ratio', higherIsBetter: false },
          rows,
        })
      }
      const kb = groups[1]!
      const cachekit = row(kb.rows, 'cachekit')
      const targets: TargetResult[] = [
        {
          description: 'cachekit envelope at 1 KB (default superjson codec) vs raw JSON',
          target: '≤ 1.15×',
          measured: `${fmtRatio(cachekit?.metrics.ratio ?? Number.NaN)} (${cachekit?.metrics.bytes} vs ${row(kb.rows, 'raw-json')?.metrics.bytes} bytes)`,
          met: (cachekit?.metrics.ratio ?? Infinity) <= 1.15,
        },
      ]
      return {
        groups,
        targets,
        notes: ['cachified keeps entries in process only (its README points to third-party Redis adapters) and is not in this scenario.'],
      }
    } finally {
      await closeAll(subjects)
      client.disconnect()
    }
  },
}

function sizedValue(bytes: number): { id: number; title: string; tags: string[]; body: string } {
  const value = { id: 1, title: 'A cached value', tags: ['a', 'b'], body: '' }
  const room = Math.max(0, bytes - JSON.stringify(value).length)
  value.body = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(room / 27)).slice(0, room)
  return value
}

async function allKeys(client: Redis): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys
}

async function waitForKeys(client: Redis, before: Set<string>): Promise<string[]> {
  const deadline = Date.now() + 1000
  let found: string[] = []
  while (Date.now() < deadline) {
    found = (await allKeys(client)).filter((key) => !before.has(key))
    if (found.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      return (await allKeys(client)).filter((key) => !before.has(key))
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return found
}
