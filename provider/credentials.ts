/**
 * Where the provider's own Utho API key comes from. Read at run time only (from `configure()`
 * or the environment), so it is never part of the serialized provider in the state.
 */
import { UthoClient, UthoConfigError } from "../sdk";
import { environmentApiKey, environmentBaseUrl } from "../sdk/options";

export interface ProviderConfig {
  get(key: string): string | undefined;
}

export interface ProviderSettings {
  apiKey?: string;
  baseUrl?: string;
}

export const MISSING_CREDENTIALS_MESSAGE =
  "Missing Utho credentials for the ApiToken provider: set the stack config with " +
  "`pulumi config set --secret utho:apiKey <key>`, or the UTHO_API_KEY (or UTHO_TOKEN) environment variable.";

let configured: ProviderSettings = {};
let cached: { key: string; client: UthoClient } | undefined;

/** Called by the engine (through the provider's `configure`) with the stack's config. */
export function configureFromStack(config: ProviderConfig): void {
  configured = {
    apiKey: config.get("utho:apiKey") || undefined,
    baseUrl: config.get("utho:baseUrl") || undefined,
  };
}

/** The client for the current settings, created on first use and reused while they hold. */
export function providerClient(): UthoClient {
  const apiKey = configured.apiKey ?? environmentApiKey();
  if (!apiKey) throw new UthoConfigError(MISSING_CREDENTIALS_MESSAGE);
  const baseUrl = configured.baseUrl ?? environmentBaseUrl();
  const key = `${apiKey}\u0000${baseUrl ?? ""}`;
  if (cached?.key !== key) {
    cached = { key, client: new UthoClient({ apiKey, baseUrl }) };
  }
  return cached.client;
}
