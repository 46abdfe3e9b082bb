/**
 * zod schemas for Utho's response bodies. Lenient where Utho is loose (ids as numbers or
 * strings, `write` as "0"/"1"/0/1/boolean, any `created_at` string), strict where our logic
 * depends on a field being there.
 */
import { z } from "zod";
import type { TokenScope } from "./rules";

/** `write`: "1"/1/true is the Write scope; "0"/0/false is Read-Only. */
const writeFlag = z.union([z.enum(["0", "1"]), z.literal(0), z.literal(1), z.boolean()]);

const id = z.union([z.string().min(1), z.number().int().nonnegative()]);

/** A token as the SDK returns it. */
export interface UthoApiToken {
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: string;
}

// Validation only, no zod transforms: a listing holds every token of the account and is read
// over a hundred times in a run of a thousand tokens, and transforms (a pipe per field) would
// more than double what each parse allocates. `toApiToken` converts afterwards.
const apiTokenSchema = z.object({
  id,
  name: z.string(),
  write: writeFlag,
  created_at: z.string().nullish(),
});

export function toApiToken(raw: z.output<typeof apiTokenSchema>): UthoApiToken {
  const write = raw.write === "1" || raw.write === 1 || raw.write === true;
  return {
    id: String(raw.id),
    name: raw.name,
    scope: write ? "write" : "read",
    createdAt: raw.created_at ?? "",
  };
}

// The key must be there: a body without it (a gateway's `{}`) must never read as "no tokens",
// which a refresh would take for "every token was deleted". Utho's Go backend may send `null`
// for an empty list.
export const listApiTokensSchema = z.object({ api: z.array(apiTokenSchema).nullable() });

export const createApiTokenSchema = z.object({ apikey: z.string().min(1) });

export const accountInfoSchema = z.object({
  user: z
    .object({
      id: id.optional(),
      fullname: z.string().nullish(),
      email: z.string().nullish(),
    })
    .loose(),
});

/**
 * Every Utho body carries `status`; the error shapes carry `message` or `errors[].message`.
 * Read leniently (any JSON object): a field of an unexpected type is simply not used.
 */
export const envelopeSchema = z.looseObject({
  status: z.unknown().optional(),
  message: z.unknown().optional(),
  errors: z.unknown().optional(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** Utho's message from either error shape, if any. */
export function envelopeMessage(envelope: Envelope | undefined): string | undefined {
  if (!envelope) return undefined;
  const direct = text(envelope.message);
  if (direct) return direct;
  const messages = Array.isArray(envelope.errors)
    ? envelope.errors.map((e: unknown) => text((e as { message?: unknown } | null)?.message)).filter(Boolean)
    : [];
  return messages.length > 0 ? messages.join("; ") : undefined;
}

/** Like Utho's own Go client: a `status` other than "success" is a failure, whatever the HTTP status. */
export function isFailureStatus(envelope: Envelope): boolean {
  return envelope.status !== undefined && String(envelope.status).toLowerCase() !== "success";
}
