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
export { DEFAULT_BASE_URL, environmentApiKey, environmentBaseUrl, type UthoClientOptions } from "./options";
export { redactSecrets, registerSecret } from "./redact";
export type { AccountInfo } from "./resources/account";
export {
  type CreateApiTokenParams,
  type CreatedApiToken,
  isControlCharacter,
  TOKEN_NAME_MAX_LENGTH,
  tokenIdProblem,
  tokenNameProblem,
  tokenScopeProblem,
  type UthoApiToken,
} from "./resources/api-tokens";
export type { RetryDelays } from "./retry";
export type { TokenScope } from "./schemas";
