import { inspect } from "node:util";
import { type Dispatcher, EnvHttpProxyAgent } from "undici";
import { type ResolvedOptions, resolveOptions, type UthoClientOptions } from "./options";
import { registerSecret } from "./redact";
import { Account } from "./resources/account";
import { ApiTokens } from "./resources/api-tokens";
import { checkedDelays, DEFAULT_RETRY_DELAYS } from "./retry";
import type { TransportSettings } from "./transport";
import { SDK_VERSION } from "./version";

// One keep-alive agent per process, shared by every client that brings no dispatcher of its
// own. It honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY.
let sharedDispatcher: Dispatcher | undefined;
function defaultDispatcher(): Dispatcher {
  sharedDispatcher ??= new EnvHttpProxyAgent({ keepAliveTimeout: 10_000, connections: 16 });
  return sharedDispatcher;
}

/**
 * A typed client for the Utho API.
 *
 * ```ts
 * const utho = new UthoClient(); // UTHO_API_KEY from the environment
 * const { token } = await utho.apiTokens.create({ name: "ci", scope: "read" });
 * ```
 */
export class UthoClient {
  readonly apiTokens: ApiTokens;
  readonly account: Account;
  // Not enumerable, and hidden from inspect(): the settings hold the API key.
  declare private readonly settings: TransportSettings;
  declare private readonly options: UthoClientOptions;

  constructor(options: UthoClientOptions = {}) {
    const resolved: ResolvedOptions = resolveOptions(options, `utho-pulumi-tokens/${SDK_VERSION}`);
    registerSecret(resolved.apiKey);
    const settings: TransportSettings = {
      ...resolved,
      dispatcher: options.dispatcher ?? defaultDispatcher(),
      retryDelays: checkedDelays({ ...DEFAULT_RETRY_DELAYS, ...options.retryDelays }),
    };
    Object.defineProperty(this, "settings", { value: settings, enumerable: false });
    Object.defineProperty(this, "options", { value: options, enumerable: false });
    this.apiTokens = new ApiTokens(() => this.settings);
    this.account = new Account(() => this.settings);
  }

  /** The base URL requests go to (never carries credentials). */
  get baseUrl(): string {
    return this.settings.baseUrl.href;
  }

  /** Whether this client authenticates with `apiKey` (without exposing the key it uses). */
  usesApiKey(apiKey: string): boolean {
    return this.settings.apiKey === apiKey;
  }

  /** A client with some options replaced, sharing this one's connection pool. */
  withOptions(overrides: UthoClientOptions): UthoClient {
    return new UthoClient({
      ...this.options,
      apiKey: this.settings.apiKey,
      baseUrl: this.settings.baseUrl.href,
      dispatcher: this.settings.dispatcher,
      ...overrides,
    });
  }

  [inspect.custom](): string {
    return `UthoClient { baseUrl: '${this.baseUrl}', apiKey: [REDACTED] }`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }
}
