/**
 * The provider's own settings, as the engine hands them to `configure()`. Kept apart from the
 * configured provider, which brings the HTTP client: a process that only checks and diffs (every
 * preview) reads its settings without loading undici.
 */

export interface ProviderConfig {
  get(key: string): string | undefined;
}

export interface ProviderSettings {
  /** `utho:apiKey`; else UTHO_API_KEY or UTHO_TOKEN. */
  apiKey?: string;
  /** `utho:baseUrl`; else UTHO_BASE_URL. */
  baseUrl?: string;
}

/** The provider's settings from the stack config the engine passes to `configure()`. */
export function settingsFromStack(config: ProviderConfig): ProviderSettings {
  return {
    apiKey: config.get("utho:apiKey") || undefined,
    baseUrl: config.get("utho:baseUrl") || undefined,
  };
}
