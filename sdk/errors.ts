/**
 * Every error the SDK throws derives from {@link UthoError} and carries a stable `code`.
 * Subclasses exist only where a caller branches on them (auth, not found, rate limit,
 * connection/timeout, malformed response, bad input).
 *
 * Messages are built from method, path, status and Utho's own message. Every message passes
 * through {@link redactCredentials} here, and the client that sends a request replaces the
 * secrets it knows (its API key, the tokens it minted) in the error before it is thrown
 * (`SecretRedactor.redactError`): the API key and token values never reach an error's message,
 * stack, `toString()` or `util.inspect()` output.
 */
import { redactCredentials } from "./redact";

export type UthoErrorCode =
  | "UTHO_CONFIG"
  | "UTHO_INVALID_INPUT"
  | "UTHO_API_ERROR"
  | "UTHO_AUTH"
  | "UTHO_NOT_FOUND"
  | "UTHO_RATE_LIMITED"
  | "UTHO_CONNECTION"
  | "UTHO_TIMEOUT"
  | "UTHO_BAD_RESPONSE"
  /** The client was closed (`client.close()`): it sends no more requests. */
  | "UTHO_CLOSED"
  /** The ApiToken provider could not finish an operation; the message says what is left and what to do. */
  | "UTHO_PROVIDER";

export class UthoError extends Error {
  readonly code: UthoErrorCode;

  constructor(code: UthoErrorCode, message: string, options?: { cause?: unknown }) {
    super(redactCredentials(message), options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The client was configured wrongly (missing API key, unsafe base URL, bad option). */
export class UthoConfigError extends UthoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UTHO_CONFIG", message, options);
  }
}

/** An argument failed validation before any request was sent; `field` names it. */
export class UthoInputError extends UthoError {
  readonly field: string;

  constructor(field: string, rule: string) {
    super("UTHO_INVALID_INPUT", `Invalid ${field}: ${rule}`);
    this.field = field;
  }
}

export interface RequestDescription {
  method: string;
  /** Path relative to the base URL, e.g. `api/generate`. Never carries credentials. */
  path: string;
}

/** Utho answered with an error: a non-2xx status, or a 2xx body whose `status` is `"error"`. */
export class UthoApiError extends UthoError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** Utho's own message, redacted. */
  readonly uthoMessage: string | undefined;

  constructor(
    request: RequestDescription,
    status: number,
    uthoMessage: string | undefined,
    code: UthoErrorCode = "UTHO_API_ERROR",
    /** Said after the status, e.g. which API key was refused. */
    about?: string,
  ) {
    const safeMessage = uthoMessage === undefined ? undefined : redactCredentials(uthoMessage);
    super(
      code,
      `Utho API ${request.method} ${request.path} failed with HTTP ${status}` +
        (about ? ` ${about}` : "") +
        (safeMessage ? `: ${safeMessage}` : ""),
    );
    this.status = status;
    this.method = request.method;
    this.path = request.path;
    this.uthoMessage = safeMessage;
  }
}

/**
 * 401 or 403: the API key is missing, unknown, revoked, or lacks the scope for this call. The
 * message names where the key came from (`apiKeySource`), never the key.
 */
export class UthoAuthError extends UthoApiError {
  /** Where the refused key came from, e.g. "UTHO_API_KEY" or "the stack's utho:apiKey". */
  readonly apiKeySource: string | undefined;

  constructor(
    request: RequestDescription,
    status: number,
    uthoMessage: string | undefined,
    apiKeySource?: string,
  ) {
    super(
      request,
      status,
      uthoMessage,
      "UTHO_AUTH",
      apiKeySource === undefined ? undefined : `for the API key from ${apiKeySource}`,
    );
    this.apiKeySource = apiKeySource;
  }
}

/** 404: the addressed object (for example a token id) does not exist. */
export class UthoNotFoundError extends UthoApiError {
  constructor(request: RequestDescription, status: number, uthoMessage: string | undefined) {
    super(request, status, uthoMessage, "UTHO_NOT_FOUND");
  }
}

/** 429 after the retry budget ran out. `retryAfterMs` is Utho's hint, when it gave one. */
export class UthoRateLimitError extends UthoApiError {
  readonly retryAfterMs: number | undefined;

  constructor(
    request: RequestDescription,
    uthoMessage: string | undefined,
    retryAfterMs: number | undefined,
  ) {
    super(request, 429, uthoMessage, "UTHO_RATE_LIMITED");
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * No HTTP response was received. `mayHaveCommitted` is true when the request was sent before
 * the failure (a dropped connection or a timeout): Utho may have carried it out.
 */
export class UthoConnectionError extends UthoError {
  readonly method: string;
  readonly path: string;
  readonly mayHaveCommitted: boolean;

  constructor(
    request: RequestDescription,
    detail: string,
    mayHaveCommitted: boolean,
    options?: { cause?: unknown; code?: UthoErrorCode },
  ) {
    super(
      options?.code ?? "UTHO_CONNECTION",
      `Utho API ${request.method} ${request.path}: ${detail}`,
      options,
    );
    this.method = request.method;
    this.path = request.path;
    this.mayHaveCommitted = mayHaveCommitted;
  }
}

/** The request did not complete within `timeoutMs`. */
export class UthoTimeoutError extends UthoConnectionError {
  constructor(request: RequestDescription, timeoutMs: number, options?: { cause?: unknown }) {
    super(request, `no response within ${timeoutMs} ms`, true, { ...options, code: "UTHO_TIMEOUT" });
  }
}

/** Utho answered 2xx but the body was not JSON or not the expected shape. */
export class UthoResponseError extends UthoError {
  readonly status: number;
  readonly method: string;
  readonly path: string;

  constructor(request: RequestDescription, status: number, problem: string, options?: { cause?: unknown }) {
    super(
      "UTHO_BAD_RESPONSE",
      `Utho API ${request.method} ${request.path} (HTTP ${status}): ${problem}`,
      options,
    );
    this.status = status;
    this.method = request.method;
    this.path = request.path;
  }
}
