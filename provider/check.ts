/**
 * `check`: validates the program's inputs before any API call and fills in the auto-name and
 * defaults. Every failure names the property and the rule it broke. The token rules come from
 * `sdk/rules.ts`, the one source the SDK and the emulator use too, and they are applied to the
 * name actually used, auto-names included.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { resolveBaseUrl } from "../sdk/options";
import {
  ruleProblem,
  secretTextSchema,
  tokenIdSchema,
  tokenNameSchema,
  tokenScopeSchema,
} from "../sdk/rules";
import { now, parseInstant } from "./clock";
import { parseDuration } from "./duration";
import { autoName } from "./naming";
import { durationMs, hasExpired } from "./rotation";
import { type CheckedInputs, isUnknown, UNKNOWN } from "./types";

/** `schema`, or the engine's placeholder for a value not known yet (preview). `schema` comes last. */
const orUnknown = <S extends z.ZodType>(schema: S) => z.union([z.literal(UNKNOWN), schema]);

/** A token id as a string, or Utho's id as the whole number a program may hold it as. */
const adoptIdSchema = z.unknown().transform((value, ctx): string => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
    ctx.addIssue({ code: "custom", message: "must be a whole number >= 0 or a string", input: value });
    return z.NEVER;
  }
  const rule = ruleProblem(tokenIdSchema, value);
  if (rule === undefined) return value as string;
  ctx.addIssue({ code: "custom", message: rule, input: value });
  return z.NEVER;
});

const adoptSchema = z
  .object(
    { id: adoptIdSchema.optional(), token: secretTextSchema.optional() },
    "must be an object with id and/or token",
  )
  .strict();

/** A base URL as the SDK accepts it; the message never echoes the value (it may hold a pasted key). */
const baseUrlSchema = z.string("must be a string").superRefine((value, ctx) => {
  // An empty one would not mean "the provider's": the client would fall back to UTHO_BASE_URL
  // or Utho's production URL, past the provider's `utho:baseUrl`.
  if (value.trim() === "") {
    ctx.addIssue({
      code: "custom",
      message: "must not be empty (omit it to use the provider's)",
      input: value,
    });
    return;
  }
  try {
    resolveBaseUrl(value);
  } catch (error) {
    const rule = error instanceof Error ? error.message.replace(/^Invalid baseUrl: /, "") : "is invalid";
    ctx.addIssue({ code: "custom", message: rule, input: value });
  }
});

const connectionSchema = z
  .object(
    { apiKey: secretTextSchema.optional(), baseUrl: orUnknown(baseUrlSchema).optional() },
    "must be an object with apiKey and/or baseUrl",
  )
  .strict()
  .refine((c) => c.apiKey !== undefined || c.baseUrl !== undefined, {
    message: "must set apiKey, baseUrl or both",
    // An unknown property is the mistake to report, not the emptiness that follows from it.
    when: (payload) => payload.issues.length === 0,
  });

const ROTATION_MAX_LENGTH = 256;

/** Counted in code points, like a name: an emoji is one character. */
const rotationSchema = z.string("must be a string").superRefine((value, ctx) => {
  const length = [...value].length;
  if (length > ROTATION_MAX_LENGTH) {
    ctx.addIssue({
      code: "custom",
      message: `must be at most ${ROTATION_MAX_LENGTH} characters (it has ${length})`,
      input: value,
    });
  }
});

const KEEPERS_MAX = 32;
const KEEPER_VALUE_MAX = 256;

/** A map of strings, as Terraform's keepers: any change of a value mints a new token. */
const keepersSchema = z
  .record(
    z.string(),
    z.string("values must be strings").refine((v) => [...v].length <= KEEPER_VALUE_MAX, {
      message: `values must be at most ${KEEPER_VALUE_MAX} characters`,
    }),
    "must be a map of strings",
  )
  .refine((map) => !Object.hasOwn(map, ""), { message: "keys must not be empty" })
  .refine((map) => Object.keys(map).length <= KEEPERS_MAX, {
    message: `must have at most ${KEEPERS_MAX} entries`,
  });

/** A duration as `duration.ts` reads it ("90d", "12h", "1d12h"). */
const durationSchema = z.string('must be a duration string such as "90d"').superRefine((value, ctx) => {
  const parsed = parseDuration(value);
  if ("problem" in parsed)
    ctx.addIssue({ code: "custom", message: `must be a duration: ${parsed.problem}`, input: value });
});

/** An ISO 8601 instant with a time zone, as UTHO_TOKENS_NOW takes it. */
const instantSchema = z
  .string("must be an ISO 8601 instant string")
  .refine((v) => parseInstant(v) !== undefined, {
    message: "must be an ISO 8601 instant with a time zone, e.g. 2027-03-01T00:00:00Z",
  });

/** What each object accepts, for the message about an unknown property. */
const ACCEPTED: Record<string, string> = {
  "": "name, scope, rotation, rotateAfter, overlap, expiresAt, keepers, verify, onMissing, adopt and connection",
  adopt: "id and token",
  connection: "apiKey and baseUrl",
};

const inputSchema = z
  .object({
    name: orUnknown(tokenNameSchema).optional(),
    // Least privilege by default.
    scope: orUnknown(tokenScopeSchema).default("read"),
    adopt: orUnknown(adoptSchema).optional(),
    rotation: orUnknown(rotationSchema).optional(),
    keepers: orUnknown(keepersSchema).optional(),
    rotateAfter: orUnknown(durationSchema).optional(),
    overlap: orUnknown(durationSchema).optional(),
    expiresAt: orUnknown(instantSchema).optional(),
    verify: orUnknown(z.boolean("must be true or false")).optional(),
    onMissing: orUnknown(z.enum(["recreate", "fail"], 'must be "recreate" or "fail"')).optional(),
    connection: orUnknown(connectionSchema).optional(),
    namePrefix: z.string("must be a string").optional(),
    autoNamed: z.boolean("must be a boolean").optional(),
    // Set by `ApiToken` during a preview: a new resource's auto-name is left unknown (`naming.ts`).
    previewing: z.boolean("must be a boolean").optional(),
    __provider: z.string("must be a string").optional(),
  })
  .strict();

function failuresOf(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): pulumi.dynamic.CheckFailure[] {
  return issues.flatMap((issue): pulumi.dynamic.CheckFailure[] => {
    const path = [...prefix, ...issue.path];
    // A value that is neither the unknown placeholder nor valid: the rule of the last branch
    // (the real schema; see `orUnknown`) is the one to state.
    if (issue.code === "invalid_union") return failuresOf(issue.errors.at(-1) ?? [], path);
    if (issue.code === "unrecognized_keys") {
      const owner = path.join(".");
      return issue.keys.map((key) => {
        const property = [...path, key].join(".");
        const accepted = ACCEPTED[owner] ?? "";
        return {
          property,
          reason: `unknown property "${property}": ${owner || "ApiToken"} accepts ${accepted}`,
        };
      });
    }
    const property = path.join(".");
    return [{ property, reason: `${property}: ${issue.message}` }];
  });
}

/** What only a rotation uses: an adopted token is never rotated by the provider. */
const ROTATION_INPUTS = ["rotation", "keepers", "rotateAfter", "overlap"] as const;

/**
 * Both tokens of an overlap must not outlive the next rotation, which would need a third.
 * Checked once both are known.
 */
function overlapRule(overlap: string | undefined, rotateAfter: string | undefined) {
  if (overlap === undefined || isUnknown(overlap) || isUnknown(rotateAfter)) return undefined;
  const window = durationMs(overlap) ?? 0;
  const every = durationMs(rotateAfter);
  if (every !== undefined && window >= every) {
    return `must be shorter than rotateAfter (overlap "${overlap}" is not shorter than rotateAfter "${rotateAfter}"): the previous token must be revoked before the next rotation is due`;
  }
  return undefined;
}

const failure = (property: string, rule: string): pulumi.dynamic.CheckResult<CheckedInputs> => ({
  failures: [{ property, reason: `${property}: ${rule}` }],
});

export function checkInputs(
  olds: Partial<CheckedInputs>,
  news: Record<string, unknown>,
  seed?: Uint8Array,
): pulumi.dynamic.CheckResult<CheckedInputs> {
  const parsed = inputSchema.safeParse(news);
  if (!parsed.success) return { failures: failuresOf(parsed.error.issues) };
  // `autoNamed` and `__provider` as sent are not kept: the first is decided here, the second is
  // the engine's; nor is `previewing`, which only says how to name.
  const {
    name,
    scope,
    adopt,
    rotation,
    keepers,
    rotateAfter,
    overlap,
    expiresAt,
    verify,
    onMissing,
    connection,
    namePrefix,
    previewing,
  } = parsed.data;
  if (adopt !== undefined) {
    const rotating = ROTATION_INPUTS.find((key) => parsed.data[key] !== undefined);
    if (rotating) {
      return failure(
        rotating,
        "cannot be set with adopt: an adopted token is never rotated by the provider (remove it, or remove adopt to let the provider mint and rotate its own token)",
      );
    }
  }
  const overlapProblem = overlapRule(overlap, rotateAfter);
  if (overlapProblem) return failure("overlap", overlapProblem);
  // A new resource whose token would expire before it is minted is a mistake; an existing one
  // may pass its instant (that is what expiry is). An unknown one is checked once known.
  if (expiresAt !== undefined && olds.name === undefined && hasExpired(expiresAt)) {
    return failure(
      "expiresAt",
      `must be in the future when the token is created (${expiresAt} has passed; the provider's clock says ${new Date(now()).toISOString()})`,
    );
  }
  if (adopt && name === undefined) {
    return failure("name", "required when adopting a token (it must equal the adopted token's name)");
  }
  // The user's name, else the one generated earlier (stable for the resource's life), else a new
  // one: drawn by the `up`, unknown to a preview (see `naming.ts`).
  const autoNamed = name === undefined;
  const kept = olds.autoNamed && olds.name ? olds.name : undefined;
  const resolved = name ?? kept ?? (previewing ? UNKNOWN : autoName(namePrefix ?? "token", seed));
  const nameRule = tokenNameSchema.safeParse(resolved);
  if (!isUnknown(resolved) && !nameRule.success)
    return failure("name", nameRule.error.issues[0]?.message ?? "is invalid");
  return {
    inputs: {
      name: resolved,
      scope,
      ...(adopt === undefined ? {} : { adopt }),
      ...(rotation === undefined ? {} : { rotation }),
      ...(keepers === undefined ? {} : { keepers }),
      ...(rotateAfter === undefined ? {} : { rotateAfter }),
      ...(overlap === undefined ? {} : { overlap }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(verify === undefined ? {} : { verify }),
      ...(onMissing === undefined ? {} : { onMissing }),
      ...(connection === undefined ? {} : { connection }),
      ...(namePrefix ? { namePrefix } : {}),
      ...(autoNamed ? { autoNamed } : {}),
    },
  };
}
