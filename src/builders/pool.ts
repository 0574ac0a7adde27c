/**
 * Runs tasks with at most `concurrency` in flight: the shape of a pipelined bulk write
 * (many commands on the wire at once, bounded memory). Stops starting new tasks once one
 * fails or `signal` aborts; rejects with that failure or the signal's reason.
 */
export async function runPool(tasks: readonly (() => Promise<void>)[], concurrency: number, signal?: AbortSignal): Promise<void> {
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      signal?.throwIfAborted()
      const task = tasks[next++] as () => Promise<void>
      try {
        await task()
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  const workers = Array.from({ length: Math.min(concurrency, tasks.length) }, worker)
  const results = await Promise.allSettled(workers)
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (rejected) throw rejected.reason
}
