export { memoryDriver, type MemoryDriverOptions } from './memory-driver.js'
