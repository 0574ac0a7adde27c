/**
 * Warnings: misconfigurations the rate-limit middleware notices while serving requests,
 * reported once per kind as the kit's `warning` event (docs/rate-limiting.md).
 */

/** The payload of the `warning` event. */
export interface CachekitWarning {
  code: CachekitWarningCode
  message: string
  /** The rate-limit policy whose middleware noticed it. */
  policy?: string
  /** The response cache's route (its key, or Nest's URL) whose response it is about. */
  route?: string
}

/**
 * What a `warning` is about: a client address that cannot be known (`CLIENT_IP_UNDEFINED`),
 * `X-Forwarded-For` arriving while no proxy is trusted (`UNTRUSTED_FORWARDED_FOR`), Express's
 * `trust proxy` set to `true` (`PERMISSIVE_TRUST_PROXY`), a key that counts single IPv6
 * addresses (`UNGROUPED_IPV6_KEY`), a key taken from an `X-Forwarded-For` entry the
 * client wrote (`FORGEABLE_KEY`), a response larger than its response cache's `maxBodyBytes`,
 * sent but not stored (`RESPONSE_TOO_LARGE`, docs/security.md).
 */
export type CachekitWarningCode =
  | 'CLIENT_IP_UNDEFINED'
  | 'UNTRUSTED_FORWARDED_FOR'
  | 'PERMISSIVE_TRUST_PROXY'
  | 'UNGROUPED_IPV6_KEY'
  | 'FORGEABLE_KEY'
  | 'RESPONSE_TOO_LARGE'

/** The warning event (part of the kit's events). */
export interface WarningEvents {
  /** A misconfiguration noticed while serving requests, reported once per kind (docs/rate-limiting.md). */
  warning: CachekitWarning
}
