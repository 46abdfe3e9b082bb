/**
 * The one clock for dates (token age, and the lifecycle's due dates): the real time, or the
 * instant the environment variable UTHO_TOKENS_NOW names (ISO 8601, e.g. 2027-01-01T00:00:00Z),
 * so tests and dry runs can stand at any date without sleeping. Read where it is used, at run
 * time, never in a Pulumi program.
 */
import { UthoConfigError } from "../sdk/errors";

export const NOW_VARIABLE = "UTHO_TOKENS_NOW";

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with a time zone in milliseconds since the epoch, or undefined. */
export function parseInstant(text: string): number | undefined {
  const ms = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The instant UTHO_TOKENS_NOW sets, in milliseconds since the epoch, or undefined when it is not
 * set. A malformed value throws, naming the variable and the rule.
 */
export function clockOverride(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const fixed = env[NOW_VARIABLE];
  if (fixed === undefined || fixed === "") return undefined;
  const ms = parseInstant(fixed);
  if (ms === undefined) {
    throw new UthoConfigError(
      `${NOW_VARIABLE}: "${fixed}" is not an ISO 8601 instant with a time zone (e.g. 2027-01-01T00:00:00Z); ` +
        "unset it to use the real time. Nothing was sent to Utho.",
    );
  }
  return ms;
}

/** What every run says while UTHO_TOKENS_NOW is set, so a forgotten override cannot go unseen. */
export const clockOverrideWarning = (at: number): string =>
  `warning: ${NOW_VARIABLE} is set: the provider's clock says ${new Date(at).toISOString()}, not the real time; ` +
  "rotations, expiry and overlaps are due by that instant. Unset it unless this is a test or a dry run.";

/** Milliseconds since the epoch. */
export function now(env: NodeJS.ProcessEnv = process.env): number {
  return clockOverride(env) ?? Date.now();
}

/**
 * Utho's `created_at` in milliseconds since the epoch, or undefined when it cannot be read. Its
 * format is undocumented: "2026-11-23 11:42:42" (taken as UTC) and ISO 8601 are understood.
 */
export function parseUthoTime(text: string): number | undefined {
  const plain = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(\.\d+)?)$/.exec(text);
  const ms = plain ? Date.parse(`${plain[1]}T${plain[2]}Z`) : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
