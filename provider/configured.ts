/**
 * The configured provider: its own credentials (from `configure()`, that is the stack config,
 * or the environment; read at run time only, so they are never part of the serialized provider
 * in the state), its timing, and one {@link ProviderContext} per set of credentials in use.
 */
import { UthoClient } from "../sdk/client";
import { UthoConfigError } from "../sdk/errors";
import { type RetryEvent, resolveBaseUrl, type UthoClientOptions } from "../sdk/options";
import { redactCredentials } from "../sdk/redact";
import { ruleProblem, secretTextSchema } from "../sdk/rules";
import { ProviderContext, type Reporter, reportToStderr } from "./context";
import { type ProviderSettings, resolveCredentials, settleWindowSetting } from "./settings";
import {
  DEFAULT_SETTLE_WINDOW_MS,
  parseSettleWindow,
  REPORTED_WAIT_MS,
  realSettle,
  type SettleTiming,
  seconds,
} from "./settle";
import type { ConnectionSpec } from "./types";

export interface ProviderOptions extends ProviderSettings {
  /** @default real time, with the window `settleWindow` sets */
  settle?: SettleTiming;
  /** Client options besides the credentials (tests inject millisecond retry delays). */
  client?: Omit<UthoClientOptions, "apiKey" | "apiKeySource" | "baseUrl" | "onRetry">;
  /** @default the provider host's stderr, which `pulumi up` shows */
  report?: Reporter;
}

/**
 * The provider runs unattended in pipelines, where a red run costs a person's time: its GETs
 * and DELETEs ride out a longer spell of failures than the SDK's default 3 retries (a POST is
 * still never repeated blindly; see `mint.ts` for how a failed create is tried again).
 */
export const PROVIDER_MAX_RETRIES = 5;

export const MISSING_CREDENTIALS_MESSAGE =
  "Missing Utho credentials for the ApiToken provider: set the stack config with " +
  "`pulumi config set --secret utho:apiKey <key>`, or the UTHO_API_KEY (or UTHO_TOKEN) environment variable.";

/** A retry the user would notice (a long backoff or a Retry-After), said in words. */
function describeRetry(event: RetryEvent): string {
  const why = event.retryAfter ? "as Utho's Retry-After asks" : "backing off";
  const which = event.rateLimited
    ? `rate limited for ${seconds(event.rateLimited.waitedMs)} s of at most ${seconds(event.rateLimited.budgetMs)} s`
    : `retry ${event.retry} of ${event.maxRetries}`;
  return `${event.reason}; retrying in ${seconds(event.delayMs)} s, ${why} (${which})`;
}

/** How often a long run of short 429 waits is reported: at 2 s of waiting, then every 10 s. */
const RATE_LIMIT_REPORT_EVERY_MS = 10_000;

/** True when this 429 wait takes a request's time spent rate limited past a reporting mark. */
function longRateLimit(event: RetryEvent): boolean {
  if (!event.rateLimited) return false;
  const after = event.rateLimited.waitedMs;
  const before = after - event.delayMs;
  const mark = (ms: number) => (ms < REPORTED_WAIT_MS ? 0 : 1 + Math.floor(ms / RATE_LIMIT_REPORT_EVERY_MS));
  return mark(after) > mark(before);
}

export class ConfiguredProvider {
  private readonly contexts = new Map<string, ProviderContext>();
  private readonly settle: SettleTiming;
  /** What is wrong with the settle window's setting, if anything: said by `check`, thrown by operations. */
  private readonly settleProblem: string | undefined;
  private readonly report: Reporter;

  constructor(private readonly options: ProviderOptions = {}) {
    const setting = settleWindowSetting(options);
    const window = setting === undefined ? { ms: DEFAULT_SETTLE_WINDOW_MS } : parseSettleWindow(setting.text);
    this.settleProblem = "problem" in window ? `${setting?.source}: ${window.problem}` : undefined;
    this.settle = options.settle ?? realSettle("ms" in window ? window.ms : DEFAULT_SETTLE_WINDOW_MS);
    const report = options.report ?? reportToStderr;
    // Messages may quote Utho's or the user's words: scrubbed like every error message.
    this.report = (message) => report(this.redact(message));
  }

  /**
   * `text` with the secrets every context's client knows replaced (the keys in use, the tokens
   * minted and those the state holds), then anything shaped like a credential: a message of one
   * resource may quote another's.
   */
  redact(text: string): string {
    let out = text;
    for (const context of this.contexts.values()) out = context.client.secrets.redactKnown(out);
    return redactCredentials(out);
  }

  /** Closes every context's client: their requests in flight finish, later ones are refused. */
  async close(): Promise<void> {
    await Promise.all([...this.contexts.values()].map((context) => context.client.close()));
  }

  /** `error`, returned, with the secrets every context's client knows replaced in it and its causes. */
  redactError<T>(error: T): T {
    for (const context of this.contexts.values()) context.client.secrets.redactError(error);
    return error;
  }

  /**
   * What is wrong with the provider's own settings (the stack config, else the environment) as
   * a resource with this `connection` would use them, for `check` to say at preview, before any
   * request. A missing key is not among them: a preview without credentials (a pull request
   * from a fork gets no secrets) still shows its plan, and the first create says what is missing.
   */
  settingsProblems(connection?: ConnectionSpec): { property: string; reason: string }[] {
    const { apiKey, baseUrl } = resolveCredentials(connection, this.options);
    const problems: { property: string; reason: string }[] = [];
    if (connection?.baseUrl === undefined) {
      try {
        resolveBaseUrl(baseUrl);
      } catch (error) {
        if (!(error instanceof UthoConfigError)) throw error;
        const source = this.options.baseUrl ? "utho:baseUrl" : "UTHO_BASE_URL";
        problems.push({
          property: "",
          reason: `${source}: ${error.message.replace(/^Invalid baseUrl: /, "")}`,
        });
      }
    }
    const keyProblem =
      connection?.apiKey === undefined && apiKey !== undefined
        ? ruleProblem(secretTextSchema, apiKey)
        : undefined;
    if (keyProblem !== undefined) {
      const source = this.options.apiKey ? "utho:apiKey" : "UTHO_API_KEY (or UTHO_TOKEN)";
      problems.push({ property: "", reason: `${source}: ${keyProblem}` });
    }
    if (this.settleProblem !== undefined) problems.push({ property: "", reason: this.settleProblem });
    return problems;
  }

  /**
   * The context for one resource: its own `connection` where it has one, field by field, else
   * the provider's settings, else the environment. The same credentials share one context.
   */
  contextFor(connection?: ConnectionSpec): ProviderContext {
    if (this.settleProblem !== undefined)
      throw new UthoConfigError(`${this.settleProblem}. Nothing was sent to Utho.`);
    const { apiKey, apiKeySource, baseUrl } = resolveCredentials(connection, this.options);
    if (!apiKey) throw new UthoConfigError(MISSING_CREDENTIALS_MESSAGE);
    // The source is part of the key: a refused key's message names where it came from.
    const key = `${apiKey}\u0000${baseUrl ?? ""}\u0000${apiKeySource}`;
    let context = this.contexts.get(key);
    if (!context) {
      const client = new UthoClient({
        maxRetries: PROVIDER_MAX_RETRIES,
        ...this.options.client,
        apiKey,
        apiKeySource,
        baseUrl,
        onRetry: (event) => {
          if (event.delayMs >= REPORTED_WAIT_MS || longRateLimit(event)) this.report(describeRetry(event));
        },
      });
      context = new ProviderContext(client, this.settle, this.report);
      this.contexts.set(key, context);
    }
    return context;
  }
}
