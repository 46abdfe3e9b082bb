/**
 * Scheduled rotation and expiry: with `rotateAfter`, a token is due for rotation once that long has passed
 * since Utho created it. The instant is computed from the token's `created_at` (Utho's clock)
 * and compared with the provider's clock (`clock.ts`, which UTHO_TOKENS_NOW can set), in the
 * provider, at `diff`: so `preview` and `up` agree, and a program never reads the time. With
 * `expiresAt`, the first `up` at or after that instant revokes the token. With
 * `overlap`, a rotation keeps the previous token until `previousRevokeAt`.
 */
import { now, parseInstant, parseUthoTime } from "./clock";
import { parseDuration } from "./duration";
import { type ApiTokenOutputs, type CheckedInputs, isUnknown } from "./types";

/** The duration in milliseconds, or undefined when absent or unreadable (`check` refuses those). */
export function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDuration(text);
  return "problem" in parsed ? undefined : parsed.ms;
}

/** When a token began: Utho's `created_at`, and when the provider minted it (`rotatedAt`), if known. */
export type TokenStart = Pick<ApiTokenOutputs, "createdAt" | "rotatedAt">;

/**
 * The ISO 8601 instant a token is due, or undefined without a schedule. It counts from the later
 * of Utho's `created_at` and the provider's mint (`rotatedAt`): a clock of Utho's behind the
 * provider's must not make a fresh token due at once (and rotate again at every run), and one
 * ahead delays the rotation by the skew, never brings it early.
 */
export function rotationDueAt(
  start: TokenStart,
  rotateAfter: string | undefined,
  mintedAt = now(),
): string | undefined {
  const every = durationMs(rotateAfter);
  if (every === undefined) return undefined;
  // An unreadable created_at (Utho's format is undocumented) counts from when it was minted.
  const created = parseUthoTime(start.createdAt);
  const minted = start.rotatedAt === undefined ? undefined : parseInstant(start.rotatedAt);
  const from = Math.max(created ?? Number.NEGATIVE_INFINITY, minted ?? Number.NEGATIVE_INFINITY);
  return new Date((Number.isFinite(from) ? from : mintedAt) + every).toISOString();
}

/** Whether the token is due now: at the due instant exactly, or after. */
export function isDue(dueAt: string | undefined, at = now()): boolean {
  return dueAt !== undefined && at >= Date.parse(dueAt);
}

/** Whether `expiresAt` has come (at it exactly, or after). */
export function hasExpired(expiresAt: string | undefined, at = now()): boolean {
  const instant = expiresAt === undefined ? undefined : parseInstant(expiresAt);
  return instant !== undefined && at >= instant;
}

/**
 * The inputs, with `expired: true` once their `expiresAt` has passed. Pulumi shows a dynamic
 * resource's update only as the difference of its old and new inputs, and an instant passing
 * changes none: this one does, so the preview of the update that revokes the token says why.
 * (A due rotation or an ended overlap cannot be marked so: `check` sees the old inputs, not
 * the outputs that date them.)
 */
export function withExpiry<T extends CheckedInputs>(inputs: T, at = now()): T {
  return hasExpired(inputs.expiresAt, at) ? { ...inputs, expired: true } : inputs;
}

/** Keepers compare by content: the order a program builds its map in is no change. */
function sameKeepers(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const keys = Object.keys(a ?? {});
  return keys.length === Object.keys(b ?? {}).length && keys.every((key) => a?.[key] === b?.[key]);
}

/**
 * What asks for a new token with the same name and scope: a new `rotation` value, new
 * `keepers` (either still unknown at preview: a possible rotation), or a `rotateAfter` due by
 * the schedule the program declares now (counted from the current token's creation). `diff`
 * and `update` both ask, so they agree. Nothing does for an expired token: with a change
 * `update` would not carry out, every run would show it again.
 */
export function rotationTriggers(
  olds: ApiTokenOutputs,
  news: CheckedInputs,
): ("rotation" | "keepers" | "rotateAfter")[] {
  const triggers: ("rotation" | "keepers" | "rotateAfter")[] = [];
  // An expired token, or one expiring now, is revoked, not rotated; a later `expiresAt` renews it.
  if (olds.expired || hasExpired(news.expiresAt)) return triggers;
  if (isUnknown(news.rotation) || news.rotation !== olds.rotation) triggers.push("rotation");
  if (isUnknown(news.keepers) || !sameKeepers(news.keepers, olds.keepers)) triggers.push("keepers");
  if (isDue(rotationDueAt(olds, news.rotateAfter))) triggers.push("rotateAfter");
  return triggers;
}

/** Whether the resource holds a previous token whose overlap has ended (or whose end is not recorded). */
export const previousDue = (props: ApiTokenOutputs, at = now()): boolean =>
  props.previousTokenId !== undefined &&
  (props.previousRevokeAt === undefined || isDue(props.previousRevokeAt, at));
