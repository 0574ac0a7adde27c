export { Sessions, type DestroyAllOptions, type SessionsContext } from './sessions.js'
export type { Session, SessionUserId } from './session.js'
export {
  SESSION_DEFAULTS,
  resolveSessionOptions,
  type CreateSessionOptions,
  type ResolvedSessionOptions,
  type SessionOptions,
} from './options.js'
