/**
 * The Utho account a command works on: credentials from the stack's config (`utho:apiKey`,
 * `utho:baseUrl`), else the environment, as the provider itself takes them; and a resource's own
 * `connection` over those, field by field.
 */
import { createHash } from "node:crypto";
import { resolveCredentials } from "../provider/settings";
import { UthoClient } from "../sdk/client";
import { UthoConfigError } from "../sdk/errors";
import type { StackCredentials } from "./stack";
import { type Connection, type Deployment, providersInUse } from "./state";

export const MISSING_CREDENTIALS =
  "Missing Utho credentials: set the stack's config with `pulumi config set --secret utho:apiKey <key>`, " +
  "or the UTHO_API_KEY (or UTHO_TOKEN) environment variable.";

export interface Account {
  client: UthoClient;
  /** Tells two sets of credentials apart without holding the key. */
  key: string;
}

/** The account of `stack`'s credentials, or of `connection` over them. */
export function accountFor(stack: StackCredentials, connection?: Connection): Account {
  const { apiKey, apiKeySource, baseUrl } = resolveCredentials(connection, stack);
  if (!apiKey) throw new UthoConfigError(MISSING_CREDENTIALS);
  const key = createHash("sha256")
    .update(`${apiKey}\u0000${baseUrl ?? ""}`)
    .digest("hex");
  return { client: new UthoClient({ apiKey, apiKeySource, baseUrl }), key };
}

/** Where audit reads credentials: the stack's config, and the plugin providers' settings. */
interface CredentialSources {
  credentials(stack: string): Promise<StackCredentials>;
  providerSettings(stack: string): Promise<Map<string, Connection>>;
}

/**
 * The account `audit` lists: the stack's `utho:` config, else the environment, as for dynamic
 * tokens. A stack with neither whose plugin tokens all have one provider (its key, say, in a
 * config value of the program's own) is audited in that provider's account, its `apiKey` read
 * from the state into memory.
 */
export async function auditCredentials(
  sources: CredentialSources,
  stack: string,
  deployment: Deployment,
): Promise<StackCredentials> {
  const config = await sources.credentials(stack);
  if (resolveCredentials(undefined, config).apiKey !== undefined) return config;
  const providers = providersInUse(deployment);
  const [provider] = providers;
  if (provider === undefined) return config;
  if (providers.length > 1) {
    throw new UthoConfigError(
      `${MISSING_CREDENTIALS} The stack's plugin tokens have ${providers.length} providers ` +
        `(${providers.map((p) => p.urn).join(", ")}): name the account to audit that way.`,
    );
  }
  if (!provider.encrypted) return provider.settings;
  return (await sources.providerSettings(stack)).get(provider.urn) ?? {};
}
