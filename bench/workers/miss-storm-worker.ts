/**
 * One process of the cross-process miss storm. Messages from the parent:
 * init (build every subject under the shared prefixes) -> ready; arm -> armed; go -> result; close.
 */
import { collectGarbage } from '../harness/measure.js'
import { runStorm, stormItems, stormSubjects } from '../scenarios/miss-storm/storm.js'
import type { CacheSubject } from '../subjects/subject.js'

type Message =
  | { type: 'init'; redis: { host: string; port: number; url: string }; prefixes: Record<string, string>; keyCount: number }
  | { type: 'arm'; id: string; base: number; requests: number }
  | { type: 'go' }
  | { type: 'close' }

const items = stormItems()
let subjects: CacheSubject[] = []
let armed: { subject: CacheSubject; base: number; requests: number } | undefined

process.on('message', async (message: Message) => {
  if (message.type === 'init') {
    subjects = await stormSubjects(message.redis, message.prefixes, message.keyCount)
    process.send?.({ type: 'ready' })
  } else if (message.type === 'arm') {
    const subject = subjects.find((candidate) => candidate.id === message.id)
    if (!subject) throw new Error(`no subject ${message.id}`)
    armed = { subject, base: message.base, requests: message.requests }
    collectGarbage()
    process.send?.({ type: 'armed' })
  } else if (message.type === 'go') {
    const job = armed
    if (!job) throw new Error('go before arm')
    const outcome = await runStorm(job.subject, job.base, job.requests, items)
    process.send?.({ type: 'result', ...outcome })
  } else {
    await Promise.all(subjects.map((subject) => subject.close().catch(() => undefined)))
    process.exit(0)
  }
})
process.send?.({ type: 'started' })
