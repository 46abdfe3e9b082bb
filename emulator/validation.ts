/**
 * Input rules for a new token. Utho documents none, so the emulator applies the package's own,
 * from the one shared source (sdk/rules.ts), exactly as the SDK and the provider do:
 * - `name`: required string; `tokenNameSchema` says what a name may be: 1 to 64 characters counted
 *   as Unicode code points, no leading or trailing whitespace, and no control characters, line or
 *   paragraph separators, bidirectional formatting characters or unpaired surrogates. Duplicates
 *   are allowed, as on Utho.
 * - `write`: required; "1" means Write and "0" Read-Only. For leniency it also takes 1/0, true/false, and
 *   "on"/"off" (the form-checkbox value used in the fixtures of Utho's own Go client).
 * A missing field or a field of the wrong JSON type is a 400; a value of the right type that breaks a rule
 * is a 422. Every message starts with the field's name, followed by the shared rule's own words, e.g.
 * `name must not contain control characters (U+0009 at character 4)`.
 */
import type { z } from "zod";
import { UthoInputError } from "../sdk/errors";
import { type TokenScope, tokenNameSchema } from "../sdk/rules";

type Checked<T> = { ok: true; value: T } | { ok: false; status: 400 | 422; message: string };

const refuse = (status: 400 | 422, message: string): Checked<never> => ({ ok: false, status, message });

/** The words of the first rule `error` reports. */
const ruleOf = (error: z.ZodError): string => error.issues[0]?.message ?? "is invalid";

/** `value` as `schema` parses it, or a {@link UthoInputError} naming `field` and the rule it broke. */
export function parseInput<T>(field: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UthoInputError(field, ruleOf(parsed.error));
  return parsed.data;
}

const WRITE_VALUES = new Map<unknown, TokenScope>([
  ["1", "write"],
  [1, "write"],
  [true, "write"],
  ["on", "write"],
  ["0", "read"],
  [0, "read"],
  [false, "read"],
  ["off", "read"],
]);

export function checkName(value: unknown): Checked<string> {
  if (value === undefined || value === null) return refuse(400, "name is required");
  const parsed = tokenNameSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  // Only a string can break the name rule; anything else is the wrong JSON type.
  return refuse(typeof value === "string" ? 422 : 400, `name ${ruleOf(parsed.error)}`);
}

export function checkWrite(value: unknown): Checked<TokenScope> {
  if (value === undefined || value === null) return refuse(400, "write is required");
  const scope = WRITE_VALUES.get(value);
  if (scope) return { ok: true, value: scope };
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    return refuse(400, 'write must be a string, "0" or "1"');
  }
  return refuse(422, 'write must be "0" (Read-Only) or "1" (Write)');
}

/** Validates the decoded JSON body of `POST /v2/api/generate`; unknown fields are ignored. */
export function checkCreateBody(body: unknown): Checked<{ name: string; scope: TokenScope }> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return refuse(400, "request body must be a JSON object");
  }
  const name = checkName("name" in body ? body.name : undefined);
  if (!name.ok) return name;
  const write = checkWrite("write" in body ? body.write : undefined);
  if (!write.ok) return write;
  return { ok: true, value: { name: name.value, scope: write.value } };
}
