/**
 * A token's fingerprint: `sha256:` and the first 16 hex characters (64 bits) of the SHA-256 of
 * its secret. Plain, not secret: pipelines, audits and people can tell tokens apart and match a
 * secret they hold to a resource, while 64 bits of a hash reveal nothing usable of a 256-bit
 * random secret.
 */
import { createHash } from "node:crypto";

export function fingerprintOf(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16)}`;
}

/** The secret and its fingerprint, or neither. */
export const secretOf = (token: string | undefined): { token?: string; fingerprint?: string } =>
  token === undefined ? {} : { token, fingerprint: fingerprintOf(token) };
