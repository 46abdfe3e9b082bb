/**
 * `diff`: Utho cannot rename a token or change its scope, so a change to either means a new
 * token (a replacement of exactly those properties); so does a rotation (`rotationTriggers`: a
 * new `rotation` value, new `keepers`, a due `rotateAfter`), unless `overlap` is set: then the
 * rotation is an update of this resource, which mints the new token and keeps the previous one
 * for the overlap. Pointing `adopt.id` at another token replaces too: the resource becomes
 * that token, and the one it held is revoked unless `retainOnDelete` is set. A newly supplied
 * `adopt.token` and new `connection` credentials need no new token and go through `update`, as
 * do the token's policy inputs (`POLICY_INPUTS`), a passed `expiresAt` (the
 * token is revoked), a previous token whose overlap has ended (it is revoked) and a current
 * token a refresh found `missing` (a new one is minted in place).
 *
 * Work that comes due with time changes none of the program's inputs, and Pulumi shows a
 * dynamic resource's changes only as the difference between its old and new inputs (the
 * dynamic-provider host forwards no detailed diff): such a preview says `~ update` or `+-
 * replace` and marks no property, but `expired`, which `check` adds (`withExpiry`). `dueWork`
 * puts the reasons in words, for the provider to print beside it.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ApiTokenProviderError } from "./errors";
import { hasExpired, previousDue, rotationDueAt, rotationTriggers } from "./rotation";
import {
  type ApiTokenOutputs,
  type CheckedInputs,
  type ConnectionSpec,
  isUnknown,
  POLICY_INPUTS,
  tokenIdOf,
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
  // The provider's policy for the token: changed in place; the change itself sends nothing to
  // Utho (a new schedule that is not due yet only moves `rotationDueAt`).
  const policyChanged = POLICY_INPUTS.some((key) => news[key] !== olds[key]);
  return {
    changes:
      replaces.length > 0 ||
      (inPlace && triggers.length > 0) ||
      previousDue(olds) ||
      secretSupplied ||
      connectionChanged ||
      policyChanged ||
      expiring ||
      // A token kept by a partial failure whose secret was never accepted: update finishes it.
      olds.unverified === true ||
      olds.missing === true ||
      isUnknown(news.adopt),
    replaces,
    deleteBeforeReplace: false,
  };
}

/**
 * What `diff` found due with time, in words: a passed `expiresAt`, a due `rotateAfter`, an
 * ended overlap, a current token a refresh found missing. One sentence each, naming the token
 * and what `pulumi up` does about it (the same words serve a preview, a refresh, which shows
 * the same diff as drift, and the `up` itself); none for a change of the program's inputs,
 * which the preview shows itself. `replacing`: the diff is a replacement.
 */
export function dueWork(
  id: string,
  olds: ApiTokenOutputs,
  news: CheckedInputs,
  replacing: boolean,
): string[] {
  if (olds.expired) return [];
  const current = tokenIdOf(id, olds);
  const token = `"${olds.name}" (token ${current})`;
  const step = replacing ? "a replacement" : "an update";
  const previous = olds.previousTokenId;
  if (hasExpired(news.expiresAt)) {
    const both = previous === undefined ? "it" : `it and previous token ${previous}`;
    return [`${token}: expiresAt ${news.expiresAt} has passed; \`pulumi up\` revokes ${both} (${step})`];
  }
  const work: string[] = [];
  if (olds.missing)
    work.push(`${token} was deleted outside Pulumi; \`pulumi up\` mints a new current token (${step})`);
  else if (rotationTriggers(olds, news).includes("rotateAfter")) {
    const old =
      replacing || news.overlap === undefined
        ? `revokes token ${current}`
        : isUnknown(news.overlap)
          ? `keeps or revokes token ${current}, as the overlap (unknown until then) says`
          : `keeps token ${current} valid for "${news.overlap}" more`;
    work.push(
      `${token}: rotateAfter "${news.rotateAfter}" made it due at ${rotationDueAt(olds, news.rotateAfter)}; ` +
        `\`pulumi up\` mints a new token and ${old} (${step})`,
    );
  }
  if (previousDue(olds))
    work.push(
      `${token}: the overlap of previous token ${previous} ended at ` +
        `${olds.previousRevokeAt ?? "an unrecorded instant"}; \`pulumi up\` revokes it (${step})`,
    );
  return work;
}
