/**
 * Property values as the engine sends them to a provider that accepts secrets: a secret is an
 * object `{ [SIG]: SECRET, value }` wherever it sits. The operations work on plain values, so
 * the plugin unwraps what comes in and wraps what goes out, keeping every value the engine sent
 * as a secret a secret (by its top-level property: a secret nested in `adopt` makes all of
 * `adopt` secret), and always the properties that hold a credential.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

type Wrapped = { [specialSigKey]: string; value: unknown };

const isSecret = (value: unknown): value is Wrapped =>
  typeof value === "object" &&
  value !== null &&
  (value as Record<string, unknown>)[specialSigKey] === specialSecretSig;

/** `value` with every secret replaced by what it holds; `found` says whether there was one. */
function reveal(value: unknown, found: { secret: boolean }): unknown {
  if (isSecret(value)) {
    found.secret = true;
    return reveal(value.value, found);
  }
  if (Array.isArray(value)) return value.map((item) => reveal(item, found));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, reveal(item, found)]));
  return value;
}

export interface Revealed {
  values: Record<string, unknown>;
  /** The top-level properties that held a secret somewhere. */
  secretKeys: Set<string>;
}

export function revealProperties(properties: Record<string, unknown> | undefined): Revealed {
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [key, value] of Object.entries(properties ?? {})) {
    const found = { secret: false };
    values[key] = reveal(value, found);
    if (found.secret) secretKeys.add(key);
  }
  return { values, secretKeys };
}

/** Always secret, whatever the engine sent: the token secrets and the objects that hold a credential. */
const ALWAYS_SECRET = ["token", "previousToken", "adopt", "connection"];

const wrap = (value: unknown): Wrapped => ({ [specialSigKey]: specialSecretSig, value });

/** `values` with `secretKeys` and the credentials (`ALWAYS_SECRET`) wrapped as secrets; undefined ones dropped. */
export function concealProperties(values: object, secretKeys: ReadonlySet<string> = new Set()) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[key] = secretKeys.has(key) || ALWAYS_SECRET.includes(key) ? wrap(value) : value;
  }
  return out;
}
