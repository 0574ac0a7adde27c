// cachekit/keyv: a Keyv storage adapter backed by any cachekit driver.
export { keyvStore, type CachekitKeyvStore, type KeyvStoreKit, type KeyvStoreOptions } from './keyv-store.js'
