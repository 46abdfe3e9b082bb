/**
 * Client options: documented defaults, environment fallbacks, and the checks that keep an API
 * key from being sent somewhere unsafe.
 */
import type { Dispatcher } from "undici";
import { UthoConfigError } from "./errors";
import type { RetryDelays } from "./retry";
import { ruleProblem, secretTextSchema } from "./rules";

export interface UthoClientOptions {
  /**
   * The Utho API key.
   * @default process.env.UTHO_API_KEY, then process.env.UTHO_TOKEN
   */
  apiKey?: string;
  /**
   * Where `apiKey` came from, named in the message of a `UthoAuthError` so that a refused key can
   * be told apart from the others in use (e.g. "the stack's utho:apiKey").
   * @default "the apiKey option", or the environment variable the key was read from
   */
  apiKeySource?: string;
  /**
   * Base URL of the API, ending in the version segment. Plain `http:` is refused unless the host
   * is loopback, so a typo cannot send the key in clear text.
   * @default process.env.UTHO_BASE_URL, then "https://api.utho.com/v2"
   */
  baseUrl?: string;
  /**
   * Per-attempt timeout, from the moment the request has a connection: sending it, the response
   * headers and the whole body. Time spent queued for a free connection of the dispatcher does not
   * count; connecting is bounded by the dispatcher's connect timeout (undici's default: 10 s).
   * @default process.env.UTHO_TIMEOUT_MS, then 30000
   */
  timeoutMs?: number;
  /**
   * Retries after the first attempt, for requests that may be retried (see `retry.ts`).
   * @default 3
   */
  maxRetries?: number;
  /** @default "utho-pulumi-tokens/<version>" */
  userAgent?: string;
  /**
   * undici dispatcher. By default a keep-alive agent that honours HTTPS_PROXY, HTTP_PROXY and
   * NO_PROXY.
   */
  dispatcher?: Dispatcher;
  /** Backoff settings; tests inject tiny delays. */
  retryDelays?: Partial<RetryDelays>;
  /**
   * Called before each wait between two attempts, e.g. to tell a user why a run pauses. The
   * event's `reason` is the failed attempt's redacted message.
   */
  onRetry?: (event: RetryEvent) => void;
}

/** One scheduled retry: which request, why, and how long the client waits before it. */
export interface RetryEvent {
  method: string;
  /** Relative to the base URL, e.g. `api/generate`. */
  path: string;
  /** 1 for the first retry. */
  retry: number;
  maxRetries: number;
  delayMs: number;
  /** Whether the delay is the server's `Retry-After` rather than the client's backoff. */
  retryAfter: boolean;
  reason: string;
  /**
   * Set for a 429 retried within the rate-limit budget (not counted in `retry` of `maxRetries`):
   * the time waited out for 429s so far, this wait included, and the budget.
   */
  rateLimited?: { waitedMs: number; budgetMs: number };
}

export const DEFAULT_BASE_URL = "https://api.utho.com/v2";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;

export interface ResolvedOptions {
  apiKey: string;
  /** Where the key came from, for the message of an authentication failure. */
  apiKeySource: string;
  baseUrl: URL;
  timeoutMs: number;
  maxRetries: number;
  userAgent: string;
  onRetry: ((event: RetryEvent) => void) | undefined;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const nonEmpty = (value: string | undefined): string | undefined => (value?.trim() ? value : undefined);

/** The environment variables an API key is read from, in order. */
export type ApiKeyVariable = "UTHO_API_KEY" | "UTHO_TOKEN";

/** The API key from the environment and the variable it was read from: UTHO_API_KEY, else UTHO_TOKEN (an empty one counts as unset). */
export function environmentCredential(): { apiKey: string; variable: ApiKeyVariable } | undefined {
  for (const variable of ["UTHO_API_KEY", "UTHO_TOKEN"] as const) {
    const apiKey = nonEmpty(process.env[variable]);
    if (apiKey !== undefined) return { apiKey, variable };
  }
  return undefined;
}

/** The per-attempt timeout from the environment, UTHO_TIMEOUT_MS, if set; anything but a whole number >= 1 is refused. */
export function environmentTimeoutMs(): number | undefined {
  const raw = nonEmpty(process.env.UTHO_TIMEOUT_MS);
  if (raw === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(raw) || Number(raw) < 1) {
    throw new UthoConfigError(
      `Invalid UTHO_TIMEOUT_MS: must be a whole number of milliseconds >= 1, got "${raw}"`,
    );
  }
  return Number(raw);
}

/** The base URL from the environment, UTHO_BASE_URL, if set. */
export function environmentBaseUrl(): string | undefined {
  return nonEmpty(process.env.UTHO_BASE_URL);
}

export function resolveBaseUrl(value: string | undefined): URL {
  const raw = nonEmpty(value) ?? environmentBaseUrl() ?? DEFAULT_BASE_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: a mistyped value may hold a pasted key.
    throw new UthoConfigError("Invalid baseUrl: it is not an absolute URL (e.g. https://api.utho.com/v2)");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    throw new UthoConfigError(
      `Invalid baseUrl: "${url.origin}" must use https (plain http is allowed only for loopback hosts)`,
    );
  }
  if (url.username || url.password) {
    throw new UthoConfigError("Invalid baseUrl: credentials in the URL are not allowed; use apiKey");
  }
  // Paths are joined relative to the base, so it must end with "/".
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

function resolveApiKey(
  value: string | undefined,
  source: string | undefined,
): { key: string; source: string } {
  const given = nonEmpty(value);
  const fromEnvironment = given === undefined ? environmentCredential() : undefined;
  const key = given ?? fromEnvironment?.apiKey;
  if (!key) {
    throw new UthoConfigError(
      "Missing apiKey: pass { apiKey } or set the UTHO_API_KEY (or UTHO_TOKEN) environment variable",
    );
  }
  const problem = ruleProblem(secretTextSchema, key);
  if (problem) throw new UthoConfigError(`Invalid apiKey: ${problem}`);
  return { key, source: fromEnvironment?.variable ?? source ?? "the apiKey option" };
}

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new UthoConfigError(`Invalid ${name}: must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

export function resolveOptions(options: UthoClientOptions, defaultUserAgent: string): ResolvedOptions {
  const { key, source } = resolveApiKey(options.apiKey, options.apiKeySource);
  return {
    apiKey: key,
    apiKeySource: source,
    baseUrl: resolveBaseUrl(options.baseUrl),
    timeoutMs: positiveInteger(
      "timeoutMs",
      options.timeoutMs,
      environmentTimeoutMs() ?? DEFAULT_TIMEOUT_MS,
      1,
    ),
    maxRetries: positiveInteger("maxRetries", options.maxRetries, DEFAULT_MAX_RETRIES, 0),
    userAgent: options.userAgent ?? defaultUserAgent,
    onRetry: options.onRetry,
  };
}
