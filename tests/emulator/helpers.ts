import type { RunningEmulator } from "../../emulator";

/** Where to send requests: a running emulator, in process or spawned through the CLI. */
export type Target = Pick<RunningEmulator, "baseUrl" | "rootKey">;

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface CallOptions {
  /** Bearer key; defaults to the root key, null sends no Authorization header. */
  key?: string | null;
  /** Raw Authorization header, overriding `key`. */
  authorization?: string;
  /** Serialised as JSON. */
  body?: unknown;
  /** Sent as is, for malformed bodies. */
  rawBody?: string;
  signal?: AbortSignal;
}

/** One request to the emulator; `path` is relative to the base URL, e.g. "/api". */
export async function call(
  emulator: Target,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const key = options.key === undefined ? emulator.rootKey : options.key;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (key !== null) headers.authorization = `Bearer ${key}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers,
    body,
    signal: options.signal,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface ListedToken {
  id: string;
  name: string;
  write: string;
  created_at: string;
}

export async function createToken(
  emulator: Target,
  name: string,
  write: "0" | "1",
  key?: string,
): Promise<string> {
  const response = await call(emulator, "POST", "/api/generate", { key, body: { name, write } });
  if (response.status !== 200) throw new Error(`create failed: ${response.status} ${response.text}`);
  return (response.json as { apikey: string }).apikey;
}

export async function listTokens(emulator: Target, key?: string): Promise<ListedToken[]> {
  const response = await call(emulator, "GET", "/api", { key });
  if (response.status !== 200) throw new Error(`list failed: ${response.status} ${response.text}`);
  return (response.json as { api: ListedToken[] }).api;
}

/** Polls `condition` every few milliseconds, for state the server settles after the client has moved on. */
export async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Utho's error body as the emulator sends it: both the `message` and the `errors` shapes. */
export function errorBody(message: unknown): unknown {
  return { status: "error", message, errors: [{ message, code: expect.stringMatching(/^\d{3}$/) }] };
}
