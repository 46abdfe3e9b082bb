/**
 * Secret scrubbing for anything that may reach a message or a log line.
 *
 * Two layers: values the process knows to be secret (the API key in use, token values it has
 * seen) are registered and replaced wherever they occur; and anything shaped like a bearer
 * credential is masked even when it was never registered.
 */

const REDACTED = "[REDACTED]";

// Known secrets. Short values are not registered: masking "1" everywhere would wreck messages.
const knownSecrets = new Set<string>();
const MIN_SECRET_LENGTH = 8;

/** Registers a value that must never appear in a message produced by this process. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) knownSecrets.add(value);
}

// `Bearer <anything>` is a credential. So is a long opaque run: 32+ hex characters, or 40+
// base64url characters mixing upper case and digits. Token names (lower-case words joined by
// hyphens, up to 64 characters) do not match, so errors can still name the token they concern.
const BEARER = /\b(Bearer\s+)[^\s"',]+/gi;
const OPAQUE_CREDENTIAL =
  /\b[0-9a-fA-F]{32,}\b|(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{40,}/g;

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out.replace(BEARER, `$1${REDACTED}`).replace(OPAQUE_CREDENTIAL, REDACTED);
}
