import * as pulumi from "@pulumi/pulumi";
import type { TokenScope } from "../sdk/rules";
import * as host from "./host";
import { type ApiTokenOutputProperties, unresolvedOutputs } from "./outputs";

export interface ApiTokenAdoptArgs {
  /** The existing token's Utho id. Omit it to find the token by `name` (exactly one must match). */
  id?: pulumi.Input<string>;
  /** The existing token's secret, if you have it; pass it with `pulumi.secret(...)`. Verified. */
  token?: pulumi.Input<string>;
}

/** Credentials for this resource alone; what is omitted comes from the provider's settings. */
export interface ApiTokenConnectionArgs {
  /** A Utho API key of the account the token belongs in; pass it with `pulumi.secret(...)`. */
  apiKey?: pulumi.Input<string>;
  /** The API's base URL. @default utho:baseUrl, else UTHO_BASE_URL, else https://api.utho.com/v2 */
  baseUrl?: pulumi.Input<string>;
}

export interface ApiTokenArgs {
  /** "read" (Read-Only) or "write" (read, write and delete). Changing it replaces the token. @default "read" */
  scope?: pulumi.Input<TokenScope>;
  /**
   * The token's name in the Utho console, 1-64 characters, no control characters. Changing it
   * replaces the token. @default the resource name plus a random 64-bit suffix, drawn by the `up`
   * that creates the resource (a preview shows it unknown) and fixed for the resource's life
   */
  name?: pulumi.Input<string>;
  /** Bring an existing token under management instead of minting one. Requires `name`. */
  adopt?: pulumi.Input<ApiTokenAdoptArgs>;
  /**
   * Rotation trigger: any change of this value mints a new token, then revokes the old one
   * (create before delete; with `overlap`, after the overlap). Use a period ("2026-Q4") or a
   * counter. Adding or removing it rotates too.
   */
  rotation?: pulumi.Input<string>;
  /**
   * Arbitrary strings (Terraform's `keepers`): any change of a key or value mints a new token,
   * then revokes the old one, as `rotation` does. Up to 32 entries, values up to 256 characters.
   */
  keepers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Scheduled rotation: a duration (`"90d"`, `"12h"`, `"30m"`, `"1d12h"`; w, d, h, m, s) after
   * the current token's creation, it is due, `preview` shows a replacement (with `overlap`, an
   * update) and `up` mints a new token, then revokes the old one. Time is the provider's (UTHO_TOKENS_NOW sets it for tests and
   * dry runs), never the program's. Changing it moves `rotationDueAt` in place, or rotates if due.
   */
  rotateAfter?: pulumi.Input<string>;
  /**
   * Rotation with an overlap: a duration (`"7d"`). A rotation (a due `rotateAfter`, a new
   * `rotation` or `keepers`) then updates this resource in place: it mints the new token and
   * keeps the previous one valid that long, as `previousToken`, so consumers that pick up the new
   * secret late keep working; the first `up` at or after `previousRevokeAt` revokes it (a
   * refresh or a preview only shows it due). Without it a rotation replaces the resource,
   * revoking the old token within the run. Must be shorter than `rotateAfter`.
   */
  overlap?: pulumi.Input<string>;
  /**
   * Expiry: an ISO 8601 instant (`"2027-03-01T00:00:00Z"`). The first `up` at or after it (by
   * the provider's clock) revokes the token (a refresh or a preview only shows it due); the
   * resource stays, with `expired: true` and no secret, until the program changes. A later
   * instant, or none, mints a fresh token. Must lie in the future when the resource is created.
   */
  expiresAt?: pulumi.Input<string>;
  /**
   * After a mint, the new secret must authenticate (`account/info`) before create returns,
   * asked again over the settle window while Utho still refuses it; a token never accepted is
   * revoked and the create fails. Changing it updates in place. @default true
   */
  verify?: pulumi.Input<boolean>;
  /**
   * What a refresh does when the token was deleted outside Pulumi: `"recreate"` drops it from
   * the state so the next `up` mints it again (a resource still holding a previous token stays,
   * and the next `up` mints its new current token in place); `"fail"` stops the refresh naming
   * the token.
   * Changing it updates in place. @default "recreate"
   */
  onMissing?: pulumi.Input<"recreate" | "fail">;
  /**
   * Credentials for this token's account, overriding the provider's (`utho:apiKey`,
   * `utho:baseUrl`), so one program can manage tokens in several Utho accounts. Stored in the
   * state only encrypted. Changing it updates in place; the new credentials must reach the
   * token's account.
   */
  connection?: pulumi.Input<ApiTokenConnectionArgs>;
}

/** The type token every preview shows: `pulumi-nodejs:dynamic/utho:ApiToken`. */
const API_TOKEN_MODULE = "utho";
const API_TOKEN_TYPE = "ApiToken";
/** The type 0.1.x registered; the alias keeps its stacks' tokens (no replacement, nothing lost). */
const LEGACY_TYPE = "pulumi-nodejs:dynamic:Resource";

/**
 * A Utho API token. Its `token` output is the once-shown secret, always a Pulumi secret.
 *
 * ```ts
 * const deployer = new ApiToken("ci-deployer", { scope: "write" });
 * export const deployerToken = deployer.token; // [secret]
 * ```
 */
// The outputs' declarations are shared with the other ApiToken class (`outputs.ts`); an
// interface of the class's name adds them to it.
export interface ApiToken extends ApiTokenOutputProperties {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the base constructor resolves every output the interface declares
export class ApiToken extends pulumi.dynamic.Resource {
  constructor(name: string, args: ApiTokenArgs = {}, opts?: pulumi.CustomResourceOptions) {
    // A fresh props object each time: the base constructor mutates it.
    // Only the inputs given, plus every declared output seeded as undefined: each property
    // costs the SDK work per resource, which counts at a thousand resources. A property this
    // class does not declare (`scopes` from JavaScript, a spread object) goes along too, so
    // that `check` refuses it by name instead of the token being minted without it.
    const { adopt, connection, ...given } = args as Record<string, unknown>;
    const props = {
      // The outputs, declared so the class resolves them. First, so that a property of the same
      // name given by a JavaScript program (`token` meant as `adopt.token`) is passed on for
      // `check` to refuse by name, not silently dropped.
      ...unresolvedOutputs(),
      ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
      name: args.name,
      scope: args.scope,
      namePrefix: name,
      // A preview leaves a new token's auto-name unknown: the `up` draws it (see naming.ts). Sent
      // whatever `name` is, for a `name` output may still resolve to nothing.
      previewing: pulumi.runtime.isDryRun() ? true : undefined,
      // Secret as a whole, so a supplied `adopt.token` is encrypted in the state even when the
      // program passed it in plain text.
      ...(adopt === undefined ? {} : { adopt: pulumi.secret(adopt) }),
      // Secret as a whole, for the same reason: it holds an API key.
      ...(connection === undefined ? {} : { connection: pulumi.secret(connection) }),
    };
    super(
      host,
      name,
      props,
      {
        ...opts,
        // The secrets are new outputs, not inputs, so only this marks them secret in the state.
        additionalSecretOutputs: [
          ...(opts?.additionalSecretOutputs ?? []),
          "token",
          "previousToken",
          "connection",
        ],
        aliases: [...(opts?.aliases ?? []), { type: LEGACY_TYPE }],
      },
      API_TOKEN_MODULE,
      API_TOKEN_TYPE,
    );
  }
}
