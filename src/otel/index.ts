export { tracedDriver, type TracingOptions } from './traced-driver.js'
export { traceLoads } from './trace-loads.js'
