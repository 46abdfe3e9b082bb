/**
 * `diff`: Utho cannot rename a token or change its scope, so a change to either means a new
 * token (a replacement of exactly those properties); so does a change of `rotation`. Pointing
 * `adopt.id` at another token replaces too: the resource becomes that token, and the one it
 * held is revoked unless `retainOnDelete` is set. A newly supplied `adopt.token` needs no new
 * token and goes through `update`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isUnknown } from "./check";
import { ApiTokenProviderError } from "./errors";
import type { ApiTokenInputs, ApiTokenOutputs } from "./types";

// `rotation` exists only to force a new token when its value changes.
const REPLACING_PROPERTIES = ["name", "scope", "rotation"] as const;

export function diffToken(
  id: string,
  olds: ApiTokenOutputs,
  news: ApiTokenInputs,
): pulumi.dynamic.DiffResult {
  const replaces: string[] = REPLACING_PROPERTIES.filter(
    (key) => isUnknown(news[key]) || news[key] !== olds[key],
  );
  const adoptId = news.adopt?.id;
  if (adoptId !== undefined && (isUnknown(adoptId) || adoptId !== id)) replaces.push("adopt");
  const secretSupplied = news.adopt?.token !== undefined && news.adopt.token !== olds.token;
  if (news.adopt && !isUnknown(news.adopt) && replaces.some((key) => key !== "adopt")) {
    // The new resource would adopt the very token the old one holds, and deleting the old
    // resource would then revoke it.
    throw new ApiTokenProviderError(
      `${replaces.join(", ")}: an adopted token cannot be replaced while \`adopt\` is set (Utho cannot ` +
        "rename, re-scope or rotate a token in place). Remove `adopt` to mint a new token in its place.",
    );
  }
  return {
    changes: replaces.length > 0 || secretSupplied || isUnknown(news.adopt),
    replaces,
    deleteBeforeReplace: false,
  };
}
