import { memoryDriver } from '../../src/drivers/memory/index.js'
import { runDriverConformance } from '../../src/testing/index.js'

// The memory driver has no server: no script cache to flush and no network to fault.
runDriverConformance({
  name: 'memory',
  createDriver: () => memoryDriver({ onHandlerError: () => undefined }),
  capabilities: { cluster: false, pubsub: true, scripting: 'emulated' },
})
