import * as pulumi from "@pulumi/pulumi";
import type { TokenScope } from "../sdk/rules";
import { apiTokenProvider } from "./serializable";

export interface ApiTokenAdoptArgs {
  /** The existing token's Utho id. Omit it to find the token by `name` (exactly one must match). */
  id?: pulumi.Input<string>;
  /** The existing token's secret, if you have it; pass it with `pulumi.secret(...)`. Verified. */
  token?: pulumi.Input<string>;
}

export interface ApiTokenArgs {
  /** "read" (Read-Only) or "write" (read, write and delete). Changing it replaces the token. @default "read" */
  scope?: pulumi.Input<TokenScope>;
  /**
   * The token's name in the Utho console, 1-64 characters, no control characters. Changing it
   * replaces the token. @default the resource name plus a random suffix, fixed for the resource's life
   */
  name?: pulumi.Input<string>;
  /** Bring an existing token under management instead of minting one. Requires `name`. */
  adopt?: pulumi.Input<ApiTokenAdoptArgs>;
  /**
   * Rotation trigger: any change of this value mints a new token, then revokes the old one
   * (create before delete). Use a period ("2026-Q4") or a counter. Adding or removing it rotates too.
   */
  rotation?: pulumi.Input<string>;
}

/**
 * A Utho API token. Its `token` output is the once-shown secret, always a Pulumi secret.
 *
 * ```ts
 * const deployer = new ApiToken("ci-deployer", { scope: "write" });
 * export const deployerToken = deployer.token; // [secret]
 * ```
 */
export class ApiToken extends pulumi.dynamic.Resource {
  /** The token's name in Utho. */
  declare readonly name: pulumi.Output<string>;
  /** "read" or "write". */
  declare readonly scope: pulumi.Output<TokenScope>;
  /** When Utho created the token, as Utho reports it. */
  declare readonly createdAt: pulumi.Output<string>;
  /** The secret (a Pulumi secret). Undefined for an adopted token whose secret was not supplied. */
  declare readonly token: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiTokenArgs = {}, opts?: pulumi.CustomResourceOptions) {
    // A fresh props object each time: the base constructor mutates it.
    const props = {
      name: args.name,
      scope: args.scope,
      // Secret as a whole, so a supplied `adopt.token` is encrypted in the state even when the
      // program passed it in plain text.
      adopt: args.adopt === undefined ? undefined : pulumi.secret(args.adopt),
      rotation: args.rotation,
      namePrefix: name,
      createdAt: undefined,
      token: undefined,
    };
    super(apiTokenProvider, name, props, {
      ...opts,
      // The secret is a new output, not an input, so only this marks it secret in the state.
      additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "token"],
    });
  }
}
