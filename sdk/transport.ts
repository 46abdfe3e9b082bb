/**
 * One HTTP exchange with Utho, repeated per the retry rules: timeout per attempt, response
 * decoding, error mapping, zod validation. Resources (`resources/*.ts`) build on `send()`.
 */
import type { Dispatcher } from "undici";
import type { z } from "zod";
import {
  type RequestDescription,
  UthoApiError,
  UthoAuthError,
  UthoConnectionError,
  UthoNotFoundError,
  UthoRateLimitError,
  UthoResponseError,
  UthoTimeoutError,
} from "./errors";
import type { ResolvedOptions } from "./options";
import type { SecretRedactor } from "./redact";
import { type AttemptFailure, parseRetryAfter, type RetryDelays, retryDelayMs, shouldRetry } from "./retry";
import { type Envelope, envelopeMessage, envelopeSchema, isFailureStatus } from "./schemas";
import { undici } from "./undici";

export interface TransportSettings extends ResolvedOptions {
  dispatcher: Dispatcher;
  retryDelays: RetryDelays;
  /** The client's secrets, replaced in every error before it is reported or thrown. */
  secrets: SecretRedactor;
  /** Why the client sends no more requests (it was closed), checked before each attempt. */
  refusal: (method: HttpMethod, path: string) => Error | undefined;
}

export type HttpMethod = "GET" | "POST" | "DELETE";

/** Error codes of undici and Node that mean the request never reached the server. */
// DNS, routing, connect and TLS handshake failures: the request body never left this process.
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_INVALID_ARG",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
]);

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
  }
  return undefined;
}

/** Result of one attempt: a response, or a connection failure classified for retrying. */
type Attempt = { response: RawResponse } | { error: UthoConnectionError; failure: AttemptFailure };

/**
 * `dispatcher` for one request, calling `onDispatched` when undici hands the request to a
 * connection. undici calls `onRequestStart` right before it writes the request on a connected
 * socket (`writeH1`/`writeH2`), never while the request waits in the pool's queue for a free
 * connection or for a connect; a response event implies it happened. Every event is passed on.
 */
function reportingDispatch(dispatcher: Dispatcher, onDispatched: () => void): Dispatcher {
  return dispatcher.compose(
    (dispatch) => (options, handler) =>
      dispatch(options, {
        onRequestStart(controller, context) {
          onDispatched();
          handler.onRequestStart?.(controller, context);
        },
        onRequestUpgrade: (controller, statusCode, headers, socket) =>
          handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
        onResponseStart(controller, statusCode, headers, statusMessage) {
          onDispatched();
          handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
        },
        onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
        onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
        onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
      }),
  );
}

/**
 * A failed attempt that did not time out: `dispatched` says whether it ever had a connection.
 * A connect failure names the host (never the whole URL), so a mistyped base URL shows.
 */
function connectionFailure(
  req: RequestDescription,
  cause: unknown,
  dispatched: boolean,
  host: string,
): Attempt {
  const code = errorCode(cause);
  const connectCode = code !== undefined && NOT_SENT_CODES.has(code);
  // Never handed to a connection (its connect failed, or the dispatcher was closed or destroyed
  // while it was queued): not one byte of it was written.
  const sent = dispatched && !connectCode;
  const suffix = code ? ` (${code})` : "";
  const detail = sent
    ? `connection lost before a response${suffix}`
    : connectCode
      ? `could not connect to ${host}${suffix}`
      : `request never sent: it got no connection${suffix}`;
  return {
    error: new UthoConnectionError(req, detail, sent, { cause }),
    failure: { kind: "connection", sent },
  };
}

/**
 * One request. `timeoutMs` starts when the request gets its connection and covers sending it, the
 * response headers and the whole body. Waiting in the dispatcher's queue for a free connection does
 * not count (the request has not left, and other requests' own timeouts bound that wait), and
 * connecting is bounded by the dispatcher's connect timeout (undici's default: 10 s).
 */
async function attempt(
  settings: TransportSettings,
  req: RequestDescription,
  body: unknown,
): Promise<Attempt> {
  const url = new URL(req.path, settings.baseUrl);
  const controller = new AbortController();
  const state: { timer?: NodeJS.Timeout; dispatched: boolean } = { dispatched: false };
  const dispatcher = reportingDispatch(settings.dispatcher, () => {
    if (state.dispatched) return;
    state.dispatched = true;
    state.timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  });
  try {
    const res = await undici().request(url, {
      method: req.method as HttpMethod,
      dispatcher,
      signal: controller.signal,
      headers: {
        authorization: `Bearer ${settings.apiKey}`,
        accept: "application/json",
        "user-agent": settings.userAgent,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { response: { status: res.statusCode, headers: res.headers, text } };
  } catch (cause) {
    // The signal is only aborted by the timer, which only runs once the request had a connection.
    if (controller.signal.aborted) {
      return {
        error: new UthoTimeoutError(req, settings.timeoutMs, { cause }),
        failure: { kind: "connection", sent: true },
      };
    }
    return connectionFailure(req, cause, state.dispatched, url.host);
  } finally {
    clearTimeout(state.timer);
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function headerValue(headers: RawResponse["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function envelopeOf(text: string): Envelope | undefined {
  const json = parseJson(text);
  if (!json.ok) return undefined;
  const parsed = envelopeSchema.safeParse(json.value);
  return parsed.success ? parsed.data : undefined;
}

/** Maps a non-2xx response to the error a caller can branch on. */
function statusError(
  settings: TransportSettings,
  req: RequestDescription,
  response: RawResponse,
  retryAfterMs: number | undefined,
): UthoApiError {
  const message = envelopeMessage(envelopeOf(response.text));
  const { status } = response;
  if (status === 401 || status === 403) return new UthoAuthError(req, status, message, settings.apiKeySource);
  if (status === 404) return new UthoNotFoundError(req, status, message);
  if (status === 429) return new UthoRateLimitError(req, message, retryAfterMs);
  return new UthoApiError(req, status, message);
}

/** Decodes a 2xx JSON body: `status` not "error", then the endpoint's schema. */
function decodeSuccess<S extends z.ZodType>(
  req: RequestDescription,
  response: RawResponse,
  json: unknown,
  schema: S,
): z.output<S> {
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new UthoResponseError(req, response.status, "response body is not a JSON object");
  }
  if (isFailureStatus(envelope.data)) {
    throw new UthoApiError(
      req,
      response.status,
      envelopeMessage(envelope.data) ?? `Utho reported status "${String(envelope.data.status)}"`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new UthoResponseError(req, response.status, `unexpected response shape: ${issues}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

type Outcome<T> = { value: T } | { error: Error; failure: AttemptFailure; retryAfterMs?: number };

/** What one response means: a decoded value, or an error and how to treat it for retrying. */
function outcomeOf<S extends z.ZodType>(
  settings: TransportSettings,
  req: RequestDescription,
  response: RawResponse,
  schema: S,
): Outcome<z.output<S>> {
  if (response.status >= 200 && response.status < 300) {
    const json = parseJson(response.text);
    if (json.ok) {
      try {
        return { value: decodeSuccess(req, response, json.value, schema) };
      } catch (error) {
        // A success that says it failed, or is not what was asked for: like a garbled body, the
        // server may have acted, so only an idempotent request asks again.
        if (!(error instanceof UthoApiError || error instanceof UthoResponseError)) throw error;
        return { error, failure: { kind: "malformed" } };
      }
    }
    const contentType = headerValue(response.headers, "content-type") ?? "no content type";
    return {
      error: new UthoResponseError(req, response.status, `response body is not JSON (${contentType})`),
      failure: { kind: "malformed" },
    };
  }
  const retryAfterMs = parseRetryAfter(
    headerValue(response.headers, "retry-after"),
    settings.retryDelays.maxRetryAfterMs,
  );
  return {
    error: statusError(settings, req, response, retryAfterMs),
    failure: { kind: "status", status: response.status },
    retryAfterMs,
  };
}

/**
 * Sends a request with retries and returns the validated body. A 429 is retried without
 * counting against `maxRetries` while the waits for 429s stay within `rateLimitBudgetMs`.
 */
export async function send<S extends z.ZodType>(
  settings: TransportSettings,
  method: HttpMethod,
  path: string,
  schema: S,
  body?: unknown,
): Promise<z.output<S>> {
  const req: RequestDescription = { method, path };
  const delays = settings.retryDelays;
  let retries = 0;
  let rateLimits = 0;
  let rateLimitedMs = 0;
  for (;;) {
    const refused = settings.refusal(method, path);
    if (refused) throw refused;
    const result = await attempt(settings, req, body);
    const outcome = "error" in result ? result : outcomeOf(settings, req, result.response, schema);
    if ("value" in outcome) return outcome.value;
    settings.secrets.redactError(outcome.error);
    const retryAfterMs = "retryAfterMs" in outcome ? outcome.retryAfterMs : undefined;
    if (!shouldRetry(method, outcome.failure)) throw outcome.error;
    const limited = outcome.failure.kind === "status" && outcome.failure.status === 429;
    // A Retry-After of 0 (or a date already past, as clock skew makes) would have the request
    // hammer the rate limiter: it waits the backoff instead, which grows with every 429.
    const hint = retryAfterMs === 0 ? undefined : retryAfterMs;
    let delayMs = limited ? retryDelayMs(rateLimits + 1, hint, delays) : 0;
    const withinBudget = limited && rateLimitedMs + delayMs <= delays.rateLimitBudgetMs;
    if (withinBudget) {
      rateLimits += 1;
      rateLimitedMs += delayMs;
    } else {
      if (retries >= settings.maxRetries) throw outcome.error;
      retries += 1;
      if (!limited) delayMs = retryDelayMs(retries, retryAfterMs, delays);
    }
    settings.onRetry?.({
      ...req,
      retry: withinBudget ? rateLimits : retries,
      maxRetries: settings.maxRetries,
      delayMs,
      retryAfter: retryAfterMs !== undefined,
      reason: outcome.error.message,
      ...(withinBudget && { rateLimited: { waitedMs: rateLimitedMs, budgetMs: delays.rateLimitBudgetMs } }),
    });
    await delays.sleep(delayMs);
  }
}
