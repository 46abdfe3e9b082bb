import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_RANDOM_FAULTS, type FaultKind, FaultPlan, type FaultRule, isFaultKind } from "./faults";
import { createRequestListener, type RecordedRequest } from "./server";
import { generateSecret, TokenStore } from "./store";
import { checkName } from "./validation";

export { DEFAULT_RANDOM_FAULTS, FAULT_KINDS, type FaultKind, type FaultRule } from "./faults";
export type { RecordedRequest } from "./server";

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** The id `account/info` reports, to stand in for several Utho accounts. @default "41250" */
  accountId?: string;
  /** The account's master key, with full rights and never listed. @default a random 64-hex-character key */
  rootKey?: string;
  /**
   * Where to persist tokens (only hashes of their secrets). Loaded on start, rewritten atomically after
   * every change. @default in memory only
   */
  dataFile?: string;
  /** Added before every response. @default 0 */
  latencyMs?: number;
  /** Probability per request, 0..1, of injecting one of `faults`. @default 0 */
  faultRate?: number;
  /** Kinds eligible for random injection. @default every kind except "slow" and "stale-list" */
  faults?: FaultKind[];
  /** How long a "slow" fault stalls a request. @default 30000 */
  slowMs?: number;
  /** The `Retry-After` value, in seconds, sent with a 429. @default 1 */
  retryAfterSeconds?: number;
  /** RNG for the random fault draw, injectable for deterministic tests. @default Math.random */
  random?: () => number;
  /**
   * Called once per served request, e.g. to log it. Gets only method, path, status and fault, never a
   * header or a body, so nothing secret can leak through it.
   */
  onRequest?: (request: RecordedRequest, durationMs: number) => void;
}

export interface RunningEmulator {
  /** e.g. "http://127.0.0.1:41235/v2" */
  baseUrl: string;
  rootKey: string;
  /** Every served request, in the order their outcome was decided. */
  requests: RecordedRequest[];
  /** How many recorded requests match; `path` like "/v2/api"; no arguments counts all. */
  countRequests(method?: string, path?: string): number;
  resetRequests(): void;
  /** Deterministic faults for tests: the next `times` (default 1) requests matching method/path get `kind`. */
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /** Out-of-band operations, as a person in the Utho console would do them (not counted in `requests`). */
  createTokenOutOfBand(name: string, scope: "read" | "write"): { id: string; secret: string };
  deleteTokenOutOfBand(id: string): boolean;
  listTokens(): { id: string; name: string; scope: "read" | "write"; createdAt: string }[];
  /** Closes the server and every open connection, including ones stalled by faults. */
  close(): Promise<void>;
}

const DEFAULTS = {
  port: 0,
  host: "127.0.0.1",
  latencyMs: 0,
  faultRate: 0,
  faults: DEFAULT_RANDOM_FAULTS,
  slowMs: 30_000,
  retryAfterSeconds: 1,
  random: Math.random,
} satisfies Partial<Record<keyof EmulatorOptions, unknown>>;

/** Node's timers silently turn longer delays into 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;
/** A day: any longer and a client honouring Retry-After looks hung. */
export const MAX_RETRY_AFTER_SECONDS = 86_400;

function requireNumber(name: string, value: number, min: number, max: number, integer: boolean): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? "an integer" : "a number";
    throw new RangeError(`${name} must be ${kind} from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** A root key travels in a Bearer header, so it must be one header-safe word. */
function requireRootKey(rootKey: string): string {
  if (!/^[\x21-\x7e]+$/.test(rootKey)) {
    throw new TypeError("rootKey must be non-empty printable ASCII without spaces");
  }
  return rootKey;
}

function formatBaseUrl({ address, port }: AddressInfo): string {
  // A wildcard bind is reachable on loopback, and an IPv6 literal needs brackets in a URL.
  const host = address === "0.0.0.0" ? "127.0.0.1" : address === "::" ? "::1" : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/v2`;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const port = requireNumber("port", options.port ?? DEFAULTS.port, 0, 65535, true);
  const latencyMs = requireNumber(
    "latencyMs",
    options.latencyMs ?? DEFAULTS.latencyMs,
    0,
    MAX_DELAY_MS,
    true,
  );
  const faultRate = requireNumber("faultRate", options.faultRate ?? DEFAULTS.faultRate, 0, 1, false);
  const slowMs = requireNumber("slowMs", options.slowMs ?? DEFAULTS.slowMs, 0, MAX_DELAY_MS, true);
  const retryAfterSeconds = requireNumber(
    "retryAfterSeconds",
    options.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds,
    0,
    MAX_RETRY_AFTER_SECONDS,
    true,
  );
  const kinds = options.faults ?? DEFAULTS.faults;
  const unknownKind = kinds.find((kind) => !isFaultKind(kind));
  if (unknownKind !== undefined)
    throw new TypeError(`faults: unknown fault kind ${JSON.stringify(unknownKind)}`);
  const rootKey = requireRootKey(options.rootKey ?? generateSecret());

  const store = new TokenStore(rootKey, options.dataFile, options.accountId);
  const faults = new FaultPlan({ rate: faultRate, kinds, random: options.random ?? DEFAULTS.random });
  const requests: RecordedRequest[] = [];
  const server = createServer(
    createRequestListener({
      store,
      faults,
      latencyMs,
      slowMs,
      retryAfterSeconds,
      record: (request, durationMs) => {
        requests.push(request);
        options.onRequest?.(request, durationMs);
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, options.host ?? DEFAULTS.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    baseUrl: formatBaseUrl(server.address() as AddressInfo),
    rootKey,
    requests,
    countRequests: (method, path) =>
      requests.filter(
        (r) =>
          (method === undefined || r.method === method.toUpperCase()) &&
          (path === undefined || r.path === path),
      ).length,
    // Emptied in place, so a reference a test took to `requests` stays live.
    resetRequests: () => {
      requests.length = 0;
    },
    injectFault: (rule) => faults.inject(rule),
    clearFaults: () => faults.clear(),
    createTokenOutOfBand: (name, scope) => {
      const checked = checkName(name);
      if (!checked.ok) throw new TypeError(checked.message);
      if (scope !== "read" && scope !== "write") throw new TypeError('scope must be "read" or "write"');
      return store.create(checked.value, scope);
    },
    deleteTokenOutOfBand: (id) => store.delete(id),
    listTokens: () => store.list(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and stalled connections would otherwise hold `close` open for seconds.
        server.closeAllConnections();
      }),
  };
}
