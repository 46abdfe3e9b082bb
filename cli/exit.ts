/**
 * `utho-tokens`' exit codes, one per thing a pipeline does next, and the error each failure
 * becomes. Documented in `--help` and the README.
 */
import { UthoAuthError, UthoConfigError, UthoError, UthoInputError } from "../sdk/errors";
import { redactSecrets } from "../sdk/redact";

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

/** An error of this CLI with the exit code it ends with; the message is redacted at construction. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(redactSecrets(message), options);
    this.name = new.target.name;
  }
}

/** A run holds the stack's lock, or the stack changed under this command: try again later. */
export class StackBusyError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.retry, options);
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
  // A key Utho refuses is the configuration's fault: retrying will not help.
  if (error instanceof UthoConfigError || error instanceof UthoInputError || error instanceof UthoAuthError)
    return EXIT.usage;
  return EXIT.failed;
}

/** The one line printed for an error: this package's own message, anything else redacted. */
export function messageOf(error: unknown): string {
  if (error instanceof UthoError || error instanceof CliError) return error.message;
  return redactSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
