/**
 * `diff`: Utho cannot rename a token or change its scope, so a change to either means a new
 * token (a replacement of exactly those properties); so does a change of `rotation` or of
 * `keepers` (by content). Pointing
 * `adopt.id` at another token replaces too: the resource becomes that token, and the one it
 * held is revoked unless `retainOnDelete` is set. A newly supplied `adopt.token` and new
 * `connection` credentials need no new token and go through `update`, as do the settings that
 * only steer the provider (`SETTING_INPUTS`: verify, onMissing, and a schedule or expiry not
 * due yet). A due `rotateAfter` replaces; a passed `expiresAt` updates (the token is revoked).
 */
import type * as pulumi from "@pulumi/pulumi";
import { ApiTokenProviderError } from "./errors";
import { hasExpired, isDue, rotationDueAt } from "./rotation";
import {
  type ApiTokenOutputs,
  type CheckedInputs,
  type ConnectionSpec,
  isUnknown,
  SETTING_INPUTS,
} from "./types";

// `rotation` exists only to force a new token when its value changes.
const REPLACING_PROPERTIES = ["name", "scope", "rotation"] as const;

/** Keepers compare by content: the order a program builds its map in is no change. */
const sameKeepers = (
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean => {
  const keys = Object.keys(a ?? {});
  return keys.length === Object.keys(b ?? {}).length && keys.every((key) => a?.[key] === b?.[key]);
};

const sameConnection = (a: ConnectionSpec | undefined, b: ConnectionSpec | undefined): boolean =>
  a?.apiKey === b?.apiKey && a?.baseUrl === b?.baseUrl;

export function diffToken(id: string, olds: ApiTokenOutputs, news: CheckedInputs): pulumi.dynamic.DiffResult {
  const replaces: string[] = REPLACING_PROPERTIES.filter(
    (key) => isUnknown(news[key]) || news[key] !== olds[key],
  );
  if (!sameKeepers(news.keepers, olds.keepers)) replaces.push("keepers");
  // An expired token's resource stays as it is until the program gives it a later instant
  // (or none): then a fresh token is minted.
  if (olds.expired && !hasExpired(news.expiresAt)) replaces.push("expiresAt");
  // Due by the schedule the program declares now, counted from the current token's creation.
  if (!olds.expired && isDue(rotationDueAt(olds.createdAt, news.rotateAfter))) replaces.push("rotateAfter");
  // Expiry is an update: the token is revoked and the resource kept, marked expired.
  const expiring = !olds.expired && hasExpired(news.expiresAt);
  const adopt = isUnknown(news.adopt) ? undefined : news.adopt;
  if (adopt?.id !== undefined && (isUnknown(adopt.id) || adopt.id !== id)) replaces.push("adopt");
  if (adopt && replaces.some((key) => key !== "adopt")) {
    // The new resource would adopt the very token the old one holds, and deleting the old
    // resource would then revoke it.
    throw new ApiTokenProviderError(
      `${replaces.join(", ")}: an adopted token cannot be replaced while \`adopt\` is set (Utho cannot ` +
        "rename, re-scope or rotate a token in place). Remove `adopt` to mint a new token in its place.",
    );
  }
  const secretSupplied = adopt?.token !== undefined && adopt.token !== olds.token;
  const connectionChanged = isUnknown(news.connection) || !sameConnection(news.connection, olds.connection);
  // Settings of the provider's own behaviour: changed in place, nothing sent to Utho.
  // A new schedule that is not due yet only moves `rotationDueAt`.
  const settingsChanged = SETTING_INPUTS.some((key) => news[key] !== olds[key]);
  return {
    changes:
      replaces.length > 0 ||
      secretSupplied ||
      connectionChanged ||
      settingsChanged ||
      expiring ||
      isUnknown(news.adopt),
    replaces,
    deleteBeforeReplace: false,
  };
}
