/**
 * How an app creates the Upstash driver, as docs/drivers.md shows it. tsc compiles this
 * file with the rest of the repository (`npm run typecheck`); it is never run, since it
 * needs your database's URL and token.
 */
import { upstashDriver } from 'cachekit/drivers/upstash'
import { Redis } from '@upstash/redis/cloudflare'

const driver = upstashDriver({
  url: process.env.UPSTASH_REDIS_REST_URL!,
  token: process.env.UPSTASH_REDIS_REST_TOKEN!,
})

// or over a client you created (the driver never closes it):
const ownClientDriver = upstashDriver({ client: new Redis({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false }) })

export { driver, ownClientDriver }
