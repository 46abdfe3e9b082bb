import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { UthoConfigError } from "../sdk/errors";
import { type TokenScope, tokenNameSchema, tokenScopeSchema } from "../sdk/rules";
import { FaultPlan, type FaultRule } from "./faults";
import { type EmulatorOptions, parseEmulatorOptions } from "./options";
import { createRequestListener, type RecordedRequest } from "./server";
import { generateSecret, type TokenInfo, TokenStore } from "./store";
import { parseInput } from "./validation";

export { DEFAULT_RANDOM_FAULTS, FAULT_KINDS, type FaultKind, type FaultRule } from "./faults";
export { type EmulatorOptions, MAX_DELAY_MS, MAX_RETRY_AFTER_SECONDS } from "./options";
export type { RecordedRequest } from "./server";

export interface RunningEmulator {
  /** e.g. "http://127.0.0.1:41235/v2" */
  baseUrl: string;
  rootKey: string;
  /** Every served request, in the order their outcome was decided. */
  requests: RecordedRequest[];
  /** How many recorded requests match; `path` like "/v2/api"; no arguments counts all. */
  countRequests(method?: string, path?: string): number;
  resetRequests(): void;
  /**
   * Deterministic faults for tests: the next `times` (default 1) requests matching method/path get
   * `kind`. An unknown `kind` or a bad `times` throws a `UthoInputError` naming that field.
   */
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  /**
   * Out-of-band operations, as a person in the Utho console would do them (not counted in `requests`).
   * A name or scope that breaks the API's rules throws a `UthoInputError` naming "name" or "scope".
   */
  createTokenOutOfBand(name: string, scope: TokenScope): { id: string; secret: string };
  deleteTokenOutOfBand(id: string): boolean;
  listTokens(): TokenInfo[];
  /**
   * The id of the live token a secret belongs to (undefined for the root key, a revoked token or
   * anything else): lets a test prove that a secret was paired with its own token's id.
   */
  tokenIdOf(secret: string): string | undefined;
  /** Closes the server and every open connection, including ones stalled by faults. Idempotent. */
  close(): Promise<void>;
}

/** Listens on `host`:`port`; an address that cannot be used is a bad option, so a `UthoConfigError`. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void =>
      reject(
        new UthoConfigError(`cannot listen on ${host} port ${port}: ${error.message}`, { cause: error }),
      );
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
}

function formatBaseUrl({ address, port }: AddressInfo): string {
  // A wildcard bind is reachable on loopback, and an IPv6 literal needs brackets in a URL.
  const host = address === "0.0.0.0" ? "127.0.0.1" : address === "::" ? "::1" : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/v2`;
}

/**
 * Starts an emulator. Options are checked first, against the one schema in options.ts: a bad one,
 * an unusable data file or an address that cannot be listened on is a `UthoConfigError`.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const config = parseEmulatorOptions(options);
  const rootKey = config.rootKey ?? generateSecret();
  const store = new TokenStore(rootKey, config.dataFile, config.accountId, config.propagationMs);
  const faults = new FaultPlan({ rate: config.faultRate, kinds: config.faults, random: config.random });
  const requests: RecordedRequest[] = [];
  const server = createServer(
    createRequestListener({
      store,
      faults,
      latencyMs: config.latencyMs,
      slowMs: config.slowMs,
      retryAfterSeconds: config.retryAfterSeconds,
      record: (request, durationMs) => {
        requests.push(request);
        config.onRequest?.(request, durationMs);
      },
    }),
  );
  await listen(server, config.port, config.host);
  let closing: Promise<void> | undefined;

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
    createTokenOutOfBand: (name, scope) =>
      store.create(parseInput("name", tokenNameSchema, name), parseInput("scope", tokenScopeSchema, scope)),
    deleteTokenOutOfBand: (id) => store.delete(id),
    listTokens: () => store.list(),
    tokenIdOf: (secret) => store.idOf(secret),
    // Once closing, every call gets the same promise: a second `server.close` would fail.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        // Folds the change log into the snapshot, so the next start reads one file.
        store.close();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive and stalled connections would otherwise hold `close` open for seconds.
        server.closeAllConnections();
      })),
  };
}
