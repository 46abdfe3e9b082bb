import { inspect } from "node:util";
import type { Dispatcher } from "undici";
import { UthoError } from "./errors";
import { type ResolvedOptions, resolveOptions, type UthoClientOptions } from "./options";
import { SecretRedactor } from "./redact";
import { Account } from "./resources/account";
import { ApiTokens } from "./resources/api-tokens";
import { checkedDelays, DEFAULT_RETRY_DELAYS } from "./retry";
import type { TransportSettings } from "./transport";
import { undici } from "./undici";
import { SDK_VERSION } from "./version";

/**
 * The connections a client sends its requests on, and whether it may still send. A client
 * owns the keep-alive agent it makes (one per client, honouring HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY) and closes it with itself; a dispatcher passed in `options.dispatcher` is the
 * caller's, and a client made by `withOptions` borrows its parent's: neither is closed by it.
 */
class Connections {
  private closing: Promise<void> | undefined;

  constructor(
    readonly dispatcher: Dispatcher,
    private readonly owned: boolean,
    private readonly parent?: Connections,
  ) {}

  get closed(): boolean {
    return this.closing !== undefined || (this.parent?.closed ?? false);
  }

  close(): Promise<void> {
    this.closing ??= this.owned ? this.dispatcher.close() : Promise.resolve();
    return this.closing;
  }
}

// Marks the options of a client made by `withOptions` with the client it was made from (not
// exported: only `withOptions` makes such a client).
const MADE_FROM: unique symbol = Symbol("made from");
type ClientOptions = UthoClientOptions & { [MADE_FROM]?: UthoClient };

function closedError(method: string, path: string): UthoError {
  return new UthoError(
    "UTHO_CLOSED",
    `Utho API ${method} ${path}: this UthoClient was closed (client.close()); make a new client to send requests`,
  );
}

/**
 * A typed client for the Utho API. It owns its connection pool and the secrets it scrubs from
 * its errors; `close()` it when done.
 *
 * ```ts
 * const utho = new UthoClient(); // UTHO_API_KEY from the environment
 * const { token } = await utho.apiTokens.create({ name: "ci", scope: "read" });
 * await utho.close();
 * ```
 */
export class UthoClient {
  readonly apiTokens: ApiTokens;
  readonly account: Account;
  /**
   * The secrets this client replaces in its errors: its API key and every token it minted;
   * `secrets.add(value)` adds one, `secrets.redact(text)` scrubs a text the same way. A client
   * made by `withOptions` shares them.
   */
  declare readonly secrets: SecretRedactor;
  // Not enumerable, and hidden from inspect(): the settings hold the API key.
  declare private readonly settings: TransportSettings;
  declare private readonly options: UthoClientOptions;
  declare private readonly connections: Connections;

  constructor(options: UthoClientOptions = {}) {
    const parent = (options as ClientOptions)[MADE_FROM];
    this.apiTokens = new ApiTokens(() => this.settings);
    this.account = new Account(() => this.settings);
    const resolved: ResolvedOptions = resolveOptions(options, `utho-pulumi-tokens/${SDK_VERSION}`);
    const secrets = parent?.secrets ?? new SecretRedactor();
    secrets.add(resolved.apiKey);
    const connections = parent
      ? new Connections(parent.connections.dispatcher, false, parent.connections)
      : options.dispatcher
        ? new Connections(options.dispatcher, false)
        : new Connections(
            new (undici().EnvHttpProxyAgent)({ keepAliveTimeout: 10_000, connections: 16 }),
            true,
          );
    const settings: TransportSettings = {
      ...resolved,
      dispatcher: connections.dispatcher,
      retryDelays: checkedDelays({ ...DEFAULT_RETRY_DELAYS, ...options.retryDelays }),
      secrets,
      refusal: (method, path) => (connections.closed ? closedError(method, path) : undefined),
    };
    for (const [key, value] of Object.entries({ settings, options, connections, secrets })) {
      Object.defineProperty(this, key, { value, enumerable: false });
    }
  }

  /** The base URL requests go to (never carries credentials). */
  get baseUrl(): string {
    return this.settings.baseUrl.href;
  }

  /** Whether this client authenticates with `apiKey` (without exposing the key it uses). */
  usesApiKey(apiKey: string): boolean {
    return this.settings.apiKey === apiKey;
  }

  /** Whether `close()` was called (on this client, or on the one it was made from by `withOptions`). */
  get closed(): boolean {
    return this.connections.closed;
  }

  /**
   * Stops the client: a request sent after it fails at once with a `UthoError` of code
   * `UTHO_CLOSED`, and the connection pool it made is closed once the requests in flight are
   * done (a dispatcher passed in `options.dispatcher` is left open). Calling it again returns
   * the same promise.
   */
  close(): Promise<void> {
    return this.connections.close();
  }

  /**
   * A client with some options replaced, sharing this one's connection pool (its `dispatcher`
   * is this one's) and secrets: closing this client closes it too; closing it leaves this one open.
   */
  withOptions(overrides: UthoClientOptions): UthoClient {
    const options: ClientOptions = {
      ...this.options,
      apiKey: this.settings.apiKey,
      apiKeySource: this.settings.apiKeySource,
      baseUrl: this.settings.baseUrl.href,
      // Another key comes from the caller, not from where this client's came from.
      ...(overrides.apiKey === undefined ? {} : { apiKeySource: undefined }),
      ...overrides,
      [MADE_FROM]: this,
    };
    return new UthoClient(options);
  }

  [inspect.custom](): string {
    return `UthoClient { baseUrl: '${this.baseUrl}', apiKey: [REDACTED] }`;
  }

  toJSON(): { baseUrl: string } {
    return { baseUrl: this.baseUrl };
  }
}
