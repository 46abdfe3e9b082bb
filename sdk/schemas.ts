/**
 * zod schemas for Utho's response bodies. Lenient where Utho is loose (ids as numbers or
 * strings, `write` as "0"/"1"/0/1/boolean, any `created_at` string), strict where our logic
 * depends on a field being there.
 */
import { z } from "zod";

export type TokenScope = "read" | "write";

/** `write`: "1"/1/true is the Write scope; "0"/0/false is Read-Only. */
const writeFlag = z
  .union([z.enum(["0", "1"]), z.literal(0), z.literal(1), z.boolean()])
  .transform((flag): TokenScope => (flag === "1" || flag === 1 || flag === true ? "write" : "read"));

const id = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

export const apiTokenSchema = z
  .object({
    id,
    name: z.string(),
    write: writeFlag,
    created_at: z.string().nullish(),
  })
  .transform((raw) => ({ id: raw.id, name: raw.name, scope: raw.write, createdAt: raw.created_at ?? "" }));

export const listApiTokensSchema = z.object({ api: z.array(apiTokenSchema).nullish() });

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

/** Every Utho body carries `status`; the error shapes carry `message` or `errors[].message`. */
export const envelopeSchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    errors: z
      .array(z.object({ message: z.string().optional(), code: z.string().optional() }).loose())
      .optional(),
  })
  .loose();

export type Envelope = z.infer<typeof envelopeSchema>;

/** Utho's message from either error shape, if any. */
export function envelopeMessage(envelope: Envelope | undefined): string | undefined {
  if (!envelope) return undefined;
  if (envelope.message) return envelope.message;
  const messages = envelope.errors?.map((e) => e.message).filter((m): m is string => Boolean(m));
  return messages && messages.length > 0 ? messages.join("; ") : undefined;
}
