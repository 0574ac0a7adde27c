// cachekit/testing: the driver conformance suite, for cachekit's own drivers and yours.
export { runDriverConformance } from './conformance.js'
export type { DriverConformanceOptions, FaultInjection } from './options.js'
export { conformanceScripts } from './scripts.js'
