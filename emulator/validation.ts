/**
 * Input rules for a new token. Utho documents none, so the emulator picks these and documents them:
 * - `name`: required string, 1 to 64 characters (code points), not only whitespace, no control characters.
 *   Duplicates are allowed, as on Utho.
 * - `write`: required; "1" means Write and "0" Read-Only. For leniency it also takes 1/0, true/false, and
 *   "on"/"off" (the form-checkbox value used in the fixtures of Utho's own Go client).
 * A missing field or a field of the wrong JSON type is a 400; a value of the right type that breaks a rule
 * is a 422. Every message starts with the field's name.
 */
import type { Scope } from "./store";

const NAME_MAX_LENGTH = 64;

type Checked<T> = { ok: true; value: T } | { ok: false; status: 400 | 422; message: string };

const WRITE_VALUES = new Map<unknown, Scope>([
  ["1", "write"],
  [1, "write"],
  [true, "write"],
  ["on", "write"],
  ["0", "read"],
  [0, "read"],
  [false, "read"],
  ["off", "read"],
]);

// Any C0/C1 control character, including newline and tab: they would corrupt a console listing.
const CONTROL_CHARACTER = /\p{Cc}/u;

export function checkName(value: unknown): Checked<string> {
  if (value === undefined || value === null) return { ok: false, status: 400, message: "name is required" };
  if (typeof value !== "string") return { ok: false, status: 400, message: "name must be a string" };
  if (value.trim() === "") return { ok: false, status: 422, message: "name must not be empty" };
  if ([...value].length > NAME_MAX_LENGTH) {
    return { ok: false, status: 422, message: `name must be at most ${NAME_MAX_LENGTH} characters` };
  }
  if (CONTROL_CHARACTER.test(value)) {
    return { ok: false, status: 422, message: "name must not contain control characters" };
  }
  return { ok: true, value };
}

export function checkWrite(value: unknown): Checked<Scope> {
  if (value === undefined || value === null) return { ok: false, status: 400, message: "write is required" };
  const scope = WRITE_VALUES.get(value);
  if (scope) return { ok: true, value: scope };
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    return { ok: false, status: 400, message: 'write must be a string, "0" or "1"' };
  }
  return { ok: false, status: 422, message: 'write must be "0" (Read-Only) or "1" (Write)' };
}

/** Validates the decoded JSON body of `POST /v2/api/generate`; unknown fields are ignored. */
export function checkCreateBody(body: unknown): Checked<{ name: string; scope: Scope }> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, status: 400, message: "request body must be a JSON object" };
  }
  const fields = body as Record<string, unknown>;
  const name = checkName(fields.name);
  if (!name.ok) return name;
  const write = checkWrite(fields.write);
  if (!write.ok) return write;
  return { ok: true, value: { name: name.value, scope: write.value } };
}
