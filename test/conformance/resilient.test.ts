import { memoryDriver } from '../../src/drivers/memory/index.js'
import { resilientDriver } from '../../src/drivers/resilient.js'
import { runDriverConformance } from '../../src/testing/index.js'

// The circuit breaker is a Driver too: it must keep every guarantee of the driver it wraps.
runDriverConformance({
  name: 'resilient(memory)',
  createDriver: () => resilientDriver(memoryDriver({ onHandlerError: () => undefined })),
  capabilities: { cluster: false, pubsub: true, scripting: 'emulated' },
})
