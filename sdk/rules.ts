/**
 * The rules for what a token's name, scope and id may be: the one source that the SDK, the
 * provider's `check`, the root program and the emulator all use. Utho documents no rules of
 * its own, so these are chosen to keep names readable and safe in a console listing and a log:
 *
 * - a name is 1 to 64 characters, counted as Unicode code points (what a person counts; an
 *   emoji is one character), does not start or end with whitespace (Utho may trim it, and a
 *   trimmed name would never match when the id is looked up), and contains no control
 *   characters, line or paragraph separators, bidirectional formatting characters or unpaired
 *   surrogates;
 * - a scope is "read" (Read-Only) or "write" (Write);
 * - an id is Utho's numeric string, accepted as any run of letters, digits, '-' and '_';
 * - a secret (a token's, or the API key a client sends) has no whitespace or line breaks: it goes
 *   into an Authorization header, and a pasted one often ends in a newline.
 */
import { z } from "zod";

export type TokenScope = "read" | "write";

export const TOKEN_SCOPES = ["read", "write"] as const satisfies readonly TokenScope[];

export const TOKEN_NAME_MAX_LENGTH = 64;

// Each class of character a name may not hold, with the words that name it in a message.
const FORBIDDEN_CHARACTERS: readonly [RegExp, string][] = [
  // C0 and C1 controls and DEL.
  [/\p{Cc}/u, "control characters"],
  // U+2028, U+2029.
  [/[\p{Zl}\p{Zp}]/u, "line or paragraph separators"],
  // Bidi marks, embeddings, overrides and isolates: they can make a listing lie about a name.
  [/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u, "bidirectional formatting characters"],
  // A lone surrogate has no UTF-8 encoding.
  [/\p{Cs}/u, "unpaired surrogates"],
];

const forbiddenClassOf = (char: string): string | undefined =>
  FORBIDDEN_CHARACTERS.find(([pattern]) => pattern.test(char))?.[1];

/** Whether one character (a code point) may not appear in a token name. */
export function isForbiddenNameCharacter(char: string): boolean {
  return forbiddenClassOf(char) !== undefined;
}

const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Token names, as every part of the package checks them. Messages state the rule broken. */
export const tokenNameSchema = z.string("must be a string").superRefine((name, ctx) => {
  const fail = (message: string) => ctx.addIssue({ code: "custom", message, input: name });
  if (name.trim() === "") return fail("must not be empty or only whitespace");
  if (name.trim() !== name) return fail("must not start or end with whitespace");
  const chars = [...name];
  if (chars.length > TOKEN_NAME_MAX_LENGTH) {
    return fail(`must be at most ${TOKEN_NAME_MAX_LENGTH} characters (it has ${chars.length})`);
  }
  const at = chars.findIndex(isForbiddenNameCharacter);
  const char = chars[at];
  if (char !== undefined) {
    fail(`must not contain ${forbiddenClassOf(char)} (${codePoint(char)} at character ${at + 1})`);
  }
});

export const tokenScopeSchema = z.enum(TOKEN_SCOPES, 'must be "read" or "write"');

export const tokenIdSchema = z
  .string("must be a string")
  .regex(/^[0-9A-Za-z_-]+$/, "must be a non-empty token id (letters, digits, '-' or '_')");

export const secretTextSchema = z
  .string("must be a string")
  .regex(/^\S+$/, "must be a token secret: not empty, no whitespace");

/** The first broken rule of `schema` for `value`, or undefined when `value` satisfies it. */
export function ruleProblem(schema: z.ZodType, value: unknown): string | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}
