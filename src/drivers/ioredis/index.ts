export { ioredisDriver } from './ioredis-driver.js'
export {
  IOREDIS_DEFAULTS,
  type IoredisClientOptions,
  type IoredisClusterOptions,
  type IoredisCommonOptions,
  type IoredisDriverOptions,
  type IoredisUrlOptions,
} from './options.js'
