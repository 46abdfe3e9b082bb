/**
 * `utho-pulumi-tokens/plugin`: typed TypeScript classes for the `utho` provider plugin, beside
 * the dynamic `ApiToken` of `utho-pulumi-tokens`. The same inputs and outputs, served by the
 * plugin (`bin/pulumi-resource-utho`) instead of a serialized closure, so a token can be imported
 * (`opts.import`) and each `Provider` instance names its own Utho account.
 *
 * The engine must find the plugin: `utho-tokens plugin install` puts it into Pulumi's plugin
 * cache, or the project's Pulumi.yaml names the package's `bin` folder:
 *
 * ```yaml
 * plugins:
 *   providers:
 *     - name: utho
 *       path: ./node_modules/utho-pulumi-tokens/bin
 * ```
 *
 * Importing this module loads neither the SDK's client nor the provider: only `@pulumi/pulumi`.
 */
import * as pulumi from "@pulumi/pulumi";
import { SDK_VERSION } from "../../sdk/version";
import type { ApiTokenArgs, ApiTokenConnectionArgs } from "../api-token";
import { type ApiTokenOutputProperties, unresolvedOutputs } from "../outputs";
import { API_TOKEN_TOKEN, PLUGIN_NAME } from "./schema";

export type { TokenScope } from "../../sdk/rules";
export type { ApiTokenAdoptArgs, ApiTokenArgs, ApiTokenConnectionArgs } from "../api-token";

/**
 * The package's version, which is its plugin's: each resource asks the engine for that version,
 * so a plugin cache holding several finds the one this class was written for.
 */
const PLUGIN_VERSION = SDK_VERSION;

/** Secret as a whole: a supplied secret or API key is encrypted in the state even if given in plain text. */
const secretIfGiven = <T>(value: pulumi.Input<T> | undefined) =>
  value === undefined ? undefined : pulumi.secret(value);

/** The settings of one `utho` provider instance: one Utho account. */
export interface ProviderArgs extends ApiTokenConnectionArgs {
  /**
   * How far Utho's token list may lag behind a create or a delete. @default utho:settleWindow,
   * else UTHO_SETTLE_WINDOW, else "7.75s" (an emulator needs "500ms")
   */
  settleWindow?: pulumi.Input<string>;
}

/**
 * The `utho` provider: the Utho account its tokens live in. Without one, tokens use the default
 * provider, configured by `utho:apiKey`, `utho:baseUrl` (or UTHO_API_KEY, UTHO_BASE_URL).
 *
 * ```ts
 * const prod = new Provider("prod", { apiKey: config.requireSecret("prodApiKey") });
 * new ApiToken("prod-deployer", { scope: "write" }, { provider: prod });
 * ```
 */
export class Provider extends pulumi.ProviderResource {
  constructor(name: string, args: ProviderArgs = {}, opts: pulumi.ResourceOptions = {}) {
    super(
      PLUGIN_NAME,
      name,
      { ...args, apiKey: secretIfGiven(args.apiKey) },
      { version: PLUGIN_VERSION, ...opts },
    );
  }
}

/**
 * A Utho API token served by the `utho` plugin: the inputs of the dynamic `ApiToken` (see
 * {@link ApiTokenArgs}), its outputs, and its secrets (`token`, `previousToken`). Import a token
 * made in the console with `{ import: "<its Utho id>" }` and `name`, `scope` as Utho shows them.
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
export class ApiToken extends pulumi.CustomResource {
  constructor(name: string, args: ApiTokenArgs = {}, opts: pulumi.CustomResourceOptions = {}) {
    const { adopt, connection, ...given } = args;
    // Every output seeded as undefined, so the class resolves it; then the inputs given, so a
    // property of an output's name given from JavaScript reaches the plugin's check, which
    // refuses it by name.
    const props = {
      ...unresolvedOutputs(),
      ...given,
      name: args.name,
      scope: args.scope,
      adopt: secretIfGiven(adopt),
      connection: secretIfGiven(connection),
    };
    super(API_TOKEN_TOKEN, name, props, {
      version: PLUGIN_VERSION,
      ...opts,
      additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "token", "previousToken"],
    });
  }
}
