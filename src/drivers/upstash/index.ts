export { upstashDriver } from './upstash-driver.js'
export {
  UPSTASH_DRIVER_DEFAULTS,
  type UpstashDriverClientOptions,
  type UpstashDriverCommonOptions,
  type UpstashDriverOptions,
  type UpstashDriverUrlOptions,
} from './options.js'
