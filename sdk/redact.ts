/**
 * Secret scrubbing for anything that may reach a message or a log line.
 *
 * Two layers: anything shaped like a bearer credential is masked even when it was never seen
 * ({@link redactCredentials}, which holds no state); and a {@link SecretRedactor} also replaces
 * the secrets its owner knows. Each owner keeps its own: a `UthoClient` (its API key, the tokens
 * it minted), the provider's contexts through their clients, a `utho-tokens` run. Nothing is
 * kept for the life of the process: a redactor's secrets go with its owner.
 */
import { inspect } from "node:util";

const REDACTED = "[REDACTED]";

// Short values are not kept: masking "1" everywhere would wreck messages.
const MIN_SECRET_LENGTH = 8;

// `Bearer <anything>` is a credential. So is a long opaque run: 32+ hex characters, or 40+
// base64/base64url characters mixing upper case, lower case and digits with at most two
// hyphens. Token names (words joined by hyphens) do not match, so errors can still name the
// token they concern.
const BEARER = /\b(Bearer\s+)[^\s"',]+/gi;
const HEX_RUN = /(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;

function looksRandom(run: string): boolean {
  const hyphens = run.split("-").length - 1;
  return hyphens <= 2 && /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** `text` with anything shaped like a credential masked; every error of the package passes through it. */
export function redactCredentials(text: string): string {
  return text
    .replace(BEARER, `$1${REDACTED}`)
    .replace(HEX_RUN, REDACTED)
    .replace(BASE64_RUN, (run) => (looksRandom(run) ? REDACTED : run));
}

/** The secrets one owner knows, replaced wherever they occur in what it says. */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  /** Remembers a value that must never appear in what the owner says (too short a value is ignored). */
  add(value: string | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }

  /** How many secrets it knows. */
  get size(): number {
    return this.secrets.size;
  }

  /** `text` with the known secrets replaced. */
  redactKnown(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** `text` with the known secrets replaced, and then anything shaped like a credential. */
  redact(text: string): string {
    return redactCredentials(this.redactKnown(text));
  }

  /**
   * `error`, returned, with the known secrets replaced in place in every string (and array of
   * strings) it holds as its own property (its message, stack, Utho's message, a provider
   * error's reasons), and so in its causes'. What it holds out of sight (a minted secret kept
   * for the state) is no string and stays as it is.
   */
  redactError<T>(error: T, seen = new Set<object>()): T {
    if (typeof error !== "object" || error === null || seen.has(error) || this.secrets.size === 0)
      return error;
    seen.add(error);
    const target = error as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(error)) {
      const descriptor = Object.getOwnPropertyDescriptor(error, key);
      if (!descriptor?.writable) continue;
      const value: unknown = descriptor.value;
      if (typeof value === "string") target[key] = this.redactKnown(value);
      else if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
        target[key] = value.map((item: string) => this.redactKnown(item));
      }
    }
    this.redactError(target.cause, seen);
    return error;
  }

  [inspect.custom](): string {
    return `SecretRedactor { ${this.secrets.size} secrets }`;
  }

  toJSON(): { size: number } {
    return { size: this.secrets.size };
  }
}
