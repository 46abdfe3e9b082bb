/**
 * The provider's own settings, as the engine hands them to `configure()`, and the one order in
 * which credentials are taken (the provider's contexts and `utho-tokens` both use it).
 */
import { environmentBaseUrl, environmentCredential } from "../sdk/options";

export interface ProviderConfig {
  get(key: string): string | undefined;
}

export interface ProviderSettings {
  /** `utho:apiKey`; else UTHO_API_KEY or UTHO_TOKEN. */
  apiKey?: string;
  /** `utho:baseUrl`; else UTHO_BASE_URL. */
  baseUrl?: string;
  /**
   * `utho:settleWindow`: how far Utho's token list may lag behind a create or a delete, as a
   * duration ("7.75s", "500ms"); the provider waits that long before it concludes from an absence.
   */
  settleWindow?: string;
}

export const SETTLE_WINDOW_VARIABLE = "UTHO_SETTLE_WINDOW";

/**
 * The settle window as written, and where: `utho:settleWindow`, else UTHO_SETTLE_WINDOW (which
 * a pipeline against a local emulator, whose list is always current, sets once for every stack).
 */
export function settleWindowSetting(
  settings: ProviderSettings,
): { source: string; text: string } | undefined {
  if (settings.settleWindow !== undefined)
    return { source: "utho:settleWindow", text: settings.settleWindow };
  const text = process.env[SETTLE_WINDOW_VARIABLE] || undefined;
  return text === undefined ? undefined : { source: SETTLE_WINDOW_VARIABLE, text };
}

/** The provider's settings from the stack config the engine passes to `configure()`. */
export function settingsFromStack(config: ProviderConfig): ProviderSettings {
  return {
    apiKey: config.get("utho:apiKey") || undefined,
    baseUrl: config.get("utho:baseUrl") || undefined,
    settleWindow: config.get("utho:settleWindow") || undefined,
  };
}

/**
 * The credentials for one resource: its own `connection`, field by field, over `settings` (the
 * stack config), over the environment. `utho-tokens` takes them in the same order.
 * `apiKeySource` says where the key came from, for the message of an authentication failure.
 */
export function resolveCredentials(
  connection: ProviderSettings | undefined,
  settings: ProviderSettings,
): { apiKey: string | undefined; apiKeySource: string; baseUrl: string | undefined } {
  const environment = environmentCredential();
  const [apiKey, apiKeySource] =
    connection?.apiKey !== undefined
      ? [connection.apiKey, "the resource's connection.apiKey"]
      : settings.apiKey !== undefined
        ? [settings.apiKey, "the stack's utho:apiKey"]
        : [environment?.apiKey, environment?.variable ?? "UTHO_API_KEY"];
  return { apiKey, apiKeySource, baseUrl: connection?.baseUrl ?? settings.baseUrl ?? environmentBaseUrl() };
}
