/**
 * `utho-pulumi-tokens/sdk`: the typed Utho API client. What is exported here is the public
 * surface; the package's own modules import internals (redaction, environment lookups) from
 * their files directly.
 */
export { UthoClient } from "./client";
export {
  UthoApiError,
  UthoAuthError,
  UthoConfigError,
  UthoConnectionError,
  UthoError,
  type UthoErrorCode,
  UthoInputError,
  UthoNotFoundError,
  UthoRateLimitError,
  UthoResponseError,
  UthoTimeoutError,
} from "./errors";
export { DEFAULT_BASE_URL, type RetryEvent, type UthoClientOptions } from "./options";
export type { SecretRedactor } from "./redact";
export type { AccountInfo } from "./resources/account";
export type { CreateApiTokenParams, CreatedApiToken, UthoApiToken } from "./resources/api-tokens";
export type { RetryDelays } from "./retry";
export {
  TOKEN_NAME_MAX_LENGTH,
  TOKEN_SCOPES,
  type TokenScope,
  tokenIdSchema,
  tokenNameSchema,
  tokenScopeSchema,
} from "./rules";
