/**
 * The emulator's options: the one place that states each option's type, range and default.
 * `startEmulator` parses its argument with this schema, and the CLI parses its flags' values with
 * it too, so both refuse the same value with the same rule. A refused option is a
 * {@link UthoConfigError} naming the option (or, from the CLI, its flag) and the rule it broke.
 */
import { z } from "zod";
import { UthoConfigError } from "../sdk/errors";
import { DEFAULT_RANDOM_FAULTS, faultKindsSchema } from "./faults";
import type { RecordedRequest } from "./server";

/** Node's timers silently turn longer delays into 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;
/** A day: any longer and a client honouring Retry-After looks hung. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

/** Defaults of the options that have a fixed one (the root key's is random, so it is not here). */
export const OPTION_DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  accountId: "41250",
  latencyMs: 0,
  faultRate: 0,
  slowMs: 30_000,
  propagationMs: 0,
  retryAfterSeconds: 1,
} as const;

/** One rule per option: every way a value can fail (type, fraction, range) reports the whole rule. */
function integerFrom(min: number, max: number) {
  const rule = `must be an integer from ${min} to ${max}`;
  return z.number(rule).int(rule).min(min, rule).max(max, rule);
}

const NON_EMPTY = "must be a non-empty string";
const nonEmptyString = z.string(NON_EMPTY).min(1, NON_EMPTY);

const RATE_RULE = "must be a number from 0 to 1";

// A root key travels in a Bearer header, so it must be one header-safe word.
const ROOT_KEY_RULE = "must be non-empty printable ASCII without spaces";

const callback = <F>() => z.custom<F>((value) => typeof value === "function", "must be a function");

export const emulatorOptionsSchema = z.object(
  {
    /** TCP port; 0 picks a free one. @default 0 */
    port: integerFrom(0, 65535).default(OPTION_DEFAULTS.port),
    /** @default "127.0.0.1" */
    host: nonEmptyString.default(OPTION_DEFAULTS.host),
    /** The id `account/info` reports, to stand in for several Utho accounts. @default "41250" */
    accountId: nonEmptyString.default(OPTION_DEFAULTS.accountId),
    /** The account's master key, with full rights and never listed. @default a random 64-hex-character key */
    rootKey: z
      .string(ROOT_KEY_RULE)
      .regex(/^[\x21-\x7e]+$/, ROOT_KEY_RULE)
      .optional(),
    /**
     * Where to persist tokens (only hashes of their secrets). Loaded on start, rewritten atomically
     * after every change. @default in memory only
     */
    dataFile: nonEmptyString.optional(),
    /** Added before every response, in milliseconds. @default 0 */
    latencyMs: integerFrom(0, MAX_DELAY_MS).default(OPTION_DEFAULTS.latencyMs),
    /** Probability per request, 0..1, of injecting one of `faults`. @default 0 */
    faultRate: z.number(RATE_RULE).min(0, RATE_RULE).max(1, RATE_RULE).default(OPTION_DEFAULTS.faultRate),
    /** Kinds eligible for random injection. @default every kind except "slow" and "stale-list" */
    faults: faultKindsSchema.default(() => [...DEFAULT_RANDOM_FAULTS]),
    /** How long a "slow" fault stalls a request, in milliseconds. @default 30000 */
    slowMs: integerFrom(0, MAX_DELAY_MS).default(OPTION_DEFAULTS.slowMs),
    /**
     * How long a new token's secret is refused with 401 after its creation, as a real API whose
     * caches lag behind a create; the token is listed at once. @default 0
     */
    propagationMs: integerFrom(0, MAX_DELAY_MS).default(OPTION_DEFAULTS.propagationMs),
    /** The `Retry-After` value, in seconds, sent with a 429. @default 1 */
    retryAfterSeconds: integerFrom(0, MAX_RETRY_AFTER_SECONDS).default(OPTION_DEFAULTS.retryAfterSeconds),
    /** RNG for the random fault draw, injectable for deterministic tests. @default Math.random */
    random: callback<() => number>().default(() => Math.random),
    /**
     * Called once per served request, e.g. to log it. Gets only method, path, status and fault,
     * never a header or a body, so nothing secret can leak through it.
     */
    onRequest: callback<(request: RecordedRequest, durationMs: number) => void>().optional(),
  },
  "must be an object",
);

/** What `startEmulator` accepts: every option may be left out. */
export type EmulatorOptions = z.input<typeof emulatorOptionsSchema>;

/** The options with defaults applied, as the emulator runs with them. */
export type EmulatorConfig = z.output<typeof emulatorOptionsSchema>;

/**
 * Parses options with the schema. On failure, throws one {@link UthoConfigError} that names each
 * refused option through `nameOf` (the CLI passes its flag names) followed by the rule it broke.
 */
export function parseEmulatorOptions(
  input: unknown,
  nameOf: (option: string) => string = (option) => option,
): EmulatorConfig {
  const parsed = emulatorOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const option = issue.path.length === 0 ? "options" : String(issue.path[0]);
    if (!problems.has(option)) problems.set(option, `${nameOf(option)} ${issue.message}`);
  }
  throw new UthoConfigError([...problems.values()].join("; "));
}
