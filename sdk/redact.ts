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

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(BEARER, `$1${REDACTED}`)
    .replace(HEX_RUN, REDACTED)
    .replace(BASE64_RUN, (run) => (looksRandom(run) ? REDACTED : run));
}
