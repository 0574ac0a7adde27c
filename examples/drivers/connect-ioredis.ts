/**
 * How an app creates the ioredis driver, as docs/drivers.md shows it. tsc compiles this
 * file with the rest of the repository (`npm run typecheck`); it is never run, since it
 * names servers of your deployment.
 */
import { ioredisDriver } from 'cachekit/drivers/ioredis'
import { Redis } from 'ioredis'

const driver = ioredisDriver({ url: 'redis://:password@localhost:6379' })

// a Redis Cluster: a few startup nodes, the rest is discovered
const clusterDriver = ioredisDriver({ cluster: [{ host: '10.0.0.1', port: 7000 }, '10.0.0.2:7000'] })

// or over a client you created (Redis or Cluster; the driver never closes it)
const ownClientDriver = ioredisDriver({ client: new Redis(process.env.REDIS_URL!) })

export { clusterDriver, driver, ownClientDriver }
