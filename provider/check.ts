/**
 * `check`: validates the program's inputs before any API call and fills in the auto-name.
 * Every failure names the property and the rule it broke.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { ruleProblem, tokenIdSchema, tokenNameSchema, tokenScopeSchema } from "../sdk/rules";
import { autoName } from "./naming";
import type { AdoptSpec, ApiTokenInputs } from "./types";

/** What the engine sends for a value not known yet (preview of a value from another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const isUnknown = (value: unknown): boolean => value === UNKNOWN;

const knownString = (problem: (v: unknown) => string | undefined) =>
  z.unknown().superRefine((value, ctx) => {
    if (isUnknown(value)) return;
    const message = problem(value);
    if (message) ctx.addIssue({ code: "custom", message });
  });

const adoptSchema = z
  .object({
    id: z
      .union([
        z.number().int().nonnegative().transform(String),
        knownString((v) => ruleProblem(tokenIdSchema, v)),
      ])
      .optional(),
    token: z.string().regex(/^\S+$/, "must be a token secret: not empty, no whitespace").optional(),
  })
  .strict();

/** What each object accepts, for the message about an unknown property. */
const ACCEPTED: Record<string, string> = { "": "name, scope, rotation and adopt", adopt: "id and token" };

const inputSchema = z
  .object({
    name: knownString((v) => ruleProblem(tokenNameSchema, v)).optional(),
    scope: knownString((v) => ruleProblem(tokenScopeSchema, v)).optional(),
    // During preview, an `adopt` built from another resource's outputs is unknown as a whole.
    adopt: z.union([z.literal(UNKNOWN), adoptSchema]).optional(),
    rotation: z.string().max(256, "must be at most 256 characters").optional(),
    namePrefix: z.string().optional(),
    autoNamed: z.boolean().optional(),
    __provider: z.string().optional(),
  })
  .strict();

function failuresOf(error: z.ZodError): pulumi.dynamic.CheckFailure[] {
  return error.issues.flatMap((issue): pulumi.dynamic.CheckFailure[] => {
    if (issue.code === "unrecognized_keys") {
      const owner = issue.path.join(".");
      return issue.keys.map((key) => {
        const property = [...issue.path, key].join(".");
        const accepted = ACCEPTED[owner] ?? "";
        return {
          property,
          reason: `unknown property "${property}": ${owner || "ApiToken"} accepts ${accepted}`,
        };
      });
    }
    const property = issue.path.join(".");
    return [{ property, reason: `${property}: ${issue.message}` }];
  });
}

/** The stable name: the user's, the one generated earlier, or a new one. */
function resolveName(olds: Partial<ApiTokenInputs>, news: { name?: unknown; namePrefix?: string }) {
  if (news.name !== undefined) return { name: news.name as string, autoNamed: undefined };
  if (olds.autoNamed && olds.name) return { name: olds.name, autoNamed: true };
  return { name: autoName(news.namePrefix ?? "token"), autoNamed: true };
}

export function checkInputs(
  olds: Partial<ApiTokenInputs>,
  news: Record<string, unknown>,
): pulumi.dynamic.CheckResult<ApiTokenInputs> {
  const parsed = inputSchema.safeParse(news);
  if (!parsed.success) return { failures: failuresOf(parsed.error) };
  const input = parsed.data;
  if (input.adopt && input.name === undefined) {
    return {
      failures: [
        {
          property: "name",
          reason: "name: required when adopting a token (it must equal the adopted token's name)",
        },
      ],
    };
  }
  const { name, autoNamed } = resolveName(olds, input);
  const inputs: ApiTokenInputs = {
    name,
    // Least privilege by default.
    scope: (input.scope ?? "read") as ApiTokenInputs["scope"],
    // An unknown `adopt` only occurs in preview; create and update always see it resolved.
    ...(input.adopt ? { adopt: input.adopt as AdoptSpec } : {}),
    ...(input.rotation === undefined ? {} : { rotation: input.rotation }),
    ...(input.namePrefix ? { namePrefix: input.namePrefix } : {}),
    ...(autoNamed ? { autoNamed } : {}),
  };
  return { inputs };
}
