/**
 * The outputs both `ApiToken` classes declare, the dynamic one (`api-token.ts`) and the
 * plugin's (`plugin/sdk.ts`): one list, so the two cannot drift apart. Each class merges
 * {@link ApiTokenOutputProperties} into itself and passes {@link unresolvedOutputs} to its base
 * constructor, which is what makes Pulumi resolve them.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { TokenScope } from "../sdk/rules";

export interface ApiTokenOutputProperties {
  /** The token's name in Utho. */
  readonly name: pulumi.Output<string>;
  /** "read" or "write". */
  readonly scope: pulumi.Output<TokenScope>;
  /** When Utho created the current token, as Utho reports it. */
  readonly createdAt: pulumi.Output<string>;
  /** The current token's Utho id: the resource id until an in-place rotation (`overlap`) changes it. */
  readonly tokenId: pulumi.Output<string>;
  /** The secret (a Pulumi secret). Undefined for an adopted or imported token whose secret was not supplied. */
  readonly token: pulumi.Output<string | undefined>;
  /** `sha256:` and the first 16 hex characters of the secret's SHA-256: plain, to tell tokens apart. */
  readonly fingerprint: pulumi.Output<string | undefined>;
  /** With `rotateAfter`: when the token is due for rotation (ISO 8601, plain). */
  readonly rotationDueAt: pulumi.Output<string | undefined>;
  /** When the provider minted the current token (ISO 8601, its clock): at create, a replacement or a rotation. */
  readonly rotatedAt: pulumi.Output<string | undefined>;
  /** During an overlap: the token the last rotation replaced, still valid (a Pulumi secret). */
  readonly previousToken: pulumi.Output<string | undefined>;
  /** During an overlap: the previous token's Utho id. */
  readonly previousTokenId: pulumi.Output<string | undefined>;
  /** During an overlap: when the previous token is revoked (the first up at or after it). */
  readonly previousRevokeAt: pulumi.Output<string | undefined>;
  /** True once `expiresAt` has passed and the token was revoked. */
  readonly expired: pulumi.Output<boolean | undefined>;
  /** True when a refresh found the current token deleted while a previous one is held: the next up mints anew. */
  readonly missing: pulumi.Output<boolean | undefined>;
  /** True when the secret was never accepted and could not be revoked: the next up verifies or replaces it. */
  readonly unverified: pulumi.Output<boolean | undefined>;
  /** The Utho account holding the token (`account/info` user id). */
  readonly accountId: pulumi.Output<string>;
}

/**
 * Every declared output but `name` and `scope` (which are inputs too), unset: a fresh object for
 * each resource, since the base constructor mutates what it is given.
 */
export const unresolvedOutputs = () => ({
  createdAt: undefined,
  tokenId: undefined,
  accountId: undefined,
  token: undefined,
  fingerprint: undefined,
  rotationDueAt: undefined,
  rotatedAt: undefined,
  previousToken: undefined,
  previousTokenId: undefined,
  previousRevokeAt: undefined,
  expired: undefined,
  missing: undefined,
  unverified: undefined,
});
