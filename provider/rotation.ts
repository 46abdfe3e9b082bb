/**
 * Scheduled rotation and expiry: with `rotateAfter`, a token is due for rotation once that long has passed
 * since Utho created it. The instant is computed from the token's `created_at` (Utho's clock)
 * and compared with the provider's clock (`clock.ts`, which UTHO_TOKENS_NOW can set), in the
 * provider, at `diff`: so `preview` and `up` agree, and a program never reads the time. With
 * `expiresAt`, the first `up` or `refresh` at or after that instant revokes the token.
 */
import { now, parseInstant, parseUthoTime } from "./clock";
import { parseDuration } from "./duration";

/** The ISO 8601 instant a token created at `createdAt` is due, or undefined without a schedule. */
export function rotationDueAt(
  createdAt: string,
  rotateAfter: string | undefined,
  mintedAt = now(),
): string | undefined {
  if (rotateAfter === undefined) return undefined;
  const every = parseDuration(rotateAfter);
  if ("problem" in every) return undefined;
  // An unreadable created_at (Utho's format is undocumented) counts from when it was minted.
  const created = parseUthoTime(createdAt) ?? mintedAt;
  return new Date(created + every.ms).toISOString();
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
