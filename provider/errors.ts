import { UthoError } from "../sdk/errors";
import { redactCredentials } from "../sdk/redact";

/**
 * A provider operation failed in a way the user must act on (an unidentifiable or uncleanable
 * token, a failed adoption, a token in another account). The message says what is left behind
 * and what to do. Like every error of the package it is a {@link UthoError}: what is shaped like
 * a credential is masked at construction (it may quote user input), and the provider replaces
 * the secrets its clients know before the error leaves an operation (`operations.ts`).
 */
export class ApiTokenProviderError extends UthoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UTHO_PROVIDER", message, options);
  }
}

/**
 * A short, redacted description of any error, for inclusion in a provider error message. An
 * error from outside the package keeps its name and message: dropping them would hide the cause.
 */
export function describeError(error: unknown): string {
  if (error instanceof UthoError) return error.message;
  if (error instanceof Error) return redactCredentials(`${error.name}: ${error.message}`);
  return redactCredentials(String(error));
}

/** A token Utho minted: its id, secret and creation time. */
export interface MintedSecret {
  id: string;
  token: string;
  createdAt: string;
}

/** Defines `key` on `target` as not enumerable, so that printing the error never shows a secret. */
function hidden<T extends object>(target: T, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

/**
 * A token was minted, and then something failed before it could be handed back: its secret was
 * never accepted and revoking it failed too. `minted` (the secret included, not enumerable)
 * lets the caller record the token in the state instead of losing it.
 */
export class MintedButUnfinished extends ApiTokenProviderError {
  declare readonly minted: MintedSecret;

  constructor(message: string, minted: MintedSecret, options?: { cause?: unknown }) {
    super(message, options);
    hidden(this, "minted", minted);
  }
}

/**
 * Pulumi's partial failure. The dynamic-provider host (`grpcResponseFromError` in
 * `@pulumi/pulumi/cmd/dynamic-provider`) turns an error that carries `id`, `properties` and
 * `reasons` into `ErrorResourceInitFailed`: the engine records the resource with that id and
 * those outputs (its `additionalSecretOutputs` still marked secret), fails the run, and calls
 * `update` at the next `up`. The host adds no `__provider` to these properties: `operations.ts`
 * does, or `read` and `delete` of the resource would have no provider to run. The properties
 * (the secret among them) are not enumerable, so printing the error never shows them.
 */
export class PartialFailure extends ApiTokenProviderError {
  readonly id: string;
  readonly reasons: string[];
  declare readonly properties: Record<string, unknown>;

  constructor(message: string, id: string, properties: object, options?: { cause?: unknown }) {
    super(message, options);
    this.id = id;
    this.reasons = [this.message];
    hidden(this, "properties", { ...properties });
  }
}
