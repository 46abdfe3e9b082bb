import { UthoError } from "../sdk";
import { redactSecrets } from "../sdk/redact";

/**
 * A provider operation failed in a way the user must act on (an unidentifiable or
 * uncleanable token, a failed adoption). The message says what is left behind and what to do.
 * It is redacted like the SDK's errors: it may quote user input.
 */
export class ApiTokenProviderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
    this.name = "ApiTokenProviderError";
  }
}

/** A short, redacted description of any error, for inclusion in a provider error message. */
export function describe(error: unknown): string {
  if (error instanceof UthoError || error instanceof ApiTokenProviderError) return error.message;
  return error instanceof Error ? `${error.name}: unexpected error` : "unexpected error";
}
