/**
 * `diff`: Utho cannot rename a token or change its scope, so a change to either means a new
 * token (a replacement of exactly those properties); so does a rotation (`rotationTriggers`: a
 * new `rotation` value, new `keepers`, a due `rotateAfter`), unless `overlap` is set: then the
 * rotation is an update of this resource, which mints the new token and keeps the previous one
 * for the overlap. Pointing `adopt.id` at another token replaces too: the resource becomes
 * that token, and the one it held is revoked unless `retainOnDelete` is set. A newly supplied
 * `adopt.token` and new `connection` credentials need no new token and go through `update`, as
 * do the settings that only steer the provider (`SETTING_INPUTS`), a passed `expiresAt` (the
 * token is revoked) and a previous token whose overlap has ended (it is revoked).
 */
import type * as pulumi from "@pulumi/pulumi";
import { ApiTokenProviderError } from "./errors";
import { hasExpired, previousDue, rotationTriggers } from "./rotation";
import {
  type ApiTokenOutputs,
  type CheckedInputs,
  type ConnectionSpec,
  isUnknown,
  SETTING_INPUTS,
} from "./types";

/** Replaced properties in the order previews list them. */
const REPLACEMENT_ORDER = [
  "name",
  "scope",
  "rotation",
  "keepers",
  "expiresAt",
  "rotateAfter",
  "adopt",
] as const;

const sameConnection = (a: ConnectionSpec | undefined, b: ConnectionSpec | undefined): boolean =>
  a?.apiKey === b?.apiKey && a?.baseUrl === b?.baseUrl;

export function diffToken(id: string, olds: ApiTokenOutputs, news: CheckedInputs): pulumi.dynamic.DiffResult {
  // What needs another resource whatever `overlap` says.
  const renewed: string[] = (["name", "scope"] as const).filter(
    (key) => isUnknown(news[key]) || news[key] !== olds[key],
  );
  // An expired token's resource stays as it is until the program gives it a later instant
  // (or none): then a fresh token is minted.
  if (olds.expired && !hasExpired(news.expiresAt)) renewed.push("expiresAt");
  const adopt = isUnknown(news.adopt) ? undefined : news.adopt;
  if (adopt?.id !== undefined && (isUnknown(adopt.id) || adopt.id !== id)) renewed.push("adopt");
  const triggers: string[] = rotationTriggers(olds, news);
  // With an overlap, this resource rotates its own token and holds both for a while.
  const inPlace = news.overlap !== undefined && renewed.length === 0;
  const replaces: string[] = REPLACEMENT_ORDER.filter(
    (key) => renewed.includes(key) || (!inPlace && triggers.includes(key)),
  );
  // Expiry is an update: the token is revoked and the resource kept, marked expired.
  const expiring = !olds.expired && hasExpired(news.expiresAt);
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
      (inPlace && triggers.length > 0) ||
      previousDue(olds) ||
      secretSupplied ||
      connectionChanged ||
      settingsChanged ||
      expiring ||
      // A token kept by a partial failure whose secret was never accepted: update finishes it.
      olds.unverified === true ||
      isUnknown(news.adopt),
    replaces,
    deleteBeforeReplace: false,
  };
}
