/**
 * `utho-tokens`' exit codes, one per thing a pipeline does next, and the error each failure
 * becomes. Documented in `--help` and the README.
 */
import { ApiTokenProviderError } from "../provider/errors";
import { UthoAuthError, UthoConfigError, UthoError, UthoInputError } from "../sdk/errors";
import { redactCredentials } from "../sdk/redact";

export const EXIT = {
  /** Done; nothing needs anyone. */
  ok: 0,
  /** Findings that need a person: a --fail-on condition, tokens reconcile left alone, a torn backend. */
  findings: 1,
  /** Bad usage or configuration: flags, project, stack, credentials, passphrase, no `pulumi`. */
  usage: 2,
  /** The stack is locked by a run, or changed under the command: nothing was written; retry later. */
  retry: 3,
  /** A request to Utho, or a Pulumi command, failed (network, API, backend): retry, or look. */
  failed: 4,
} as const;

/**
 * An error of this CLI with the exit code it ends with. What is shaped like a credential is
 * masked at construction; the secrets of the run (`main.ts`) are replaced when it is printed.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(redactCredentials(message), options);
    this.name = new.target.name;
  }
}

/** A run holds the stack's lock, or the stack changed under this command: try again later. */
export class StackBusyError extends CliError {
  constructor(message: string) {
    super(message, EXIT.retry);
  }
}

/** A Pulumi command failed for a reason this tool cannot name (a backend out of reach, a bug). */
export class PulumiCommandError extends CliError {
  constructor(message: string) {
    super(message, EXIT.failed);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  // The provider's errors wrap what Utho answered (a revocation that failed on a refused key).
  if (error instanceof ApiTokenProviderError && error.cause !== undefined) return exitCodeOf(error.cause);
  // A key Utho refuses is the configuration's fault: retrying will not help.
  if (error instanceof UthoConfigError || error instanceof UthoInputError || error instanceof UthoAuthError)
    return EXIT.usage;
  return EXIT.failed;
}

/** The one line printed for an error: this package's own message, anything else with credentials masked. */
export function messageOf(error: unknown): string {
  if (error instanceof UthoError || error instanceof CliError) return error.message;
  return redactCredentials(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
