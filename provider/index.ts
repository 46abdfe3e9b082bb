export { ApiToken, type ApiTokenAdoptArgs, type ApiTokenArgs } from "./api-token";
export { MISSING_CREDENTIALS_MESSAGE } from "./credentials";
export { ApiTokenProviderError } from "./errors";
export type { AdoptSpec, ApiTokenInputs, ApiTokenOutputs } from "./types";
