import { UthoError } from "../sdk/errors";
import { redactSecrets } from "../sdk/redact";

/**
 * A provider operation failed in a way the user must act on (an unidentifiable or uncleanable
 * token, a failed adoption, a token in another account). The message says what is left behind
 * and what to do. Like every error of the package it is a {@link UthoError}, redacted at
 * construction: it may quote user input.
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
export function describe(error: unknown): string {
  if (error instanceof UthoError) return error.message;
  if (error instanceof Error) return redactSecrets(`${error.name}: ${error.message}`);
  return redactSecrets(String(error));
}
