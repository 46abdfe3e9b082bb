/**
 * Utho's token list may lag behind a create or a delete. Whenever the provider draws a
 * conclusion from a token's absence (nothing was minted, the token is gone), it keeps looking
 * for a while first: the settle window, listings at these offsets from the first one that
 * missed the token. Finding a token takes one listing when the list is current.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** The production window: waits of 0.25, 0.5, 1, 2 and 4 s between six listings (7.75 s). */
export const SETTLE_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

/** A wait at least this long is reported to the user, saying what it waits for. */
export const REPORTED_WAIT_MS = 2_000;

export interface SettleTiming {
  /** The waits between listings; their number fixes how many listings a window takes. */
  delaysMs: readonly number[];
  /** Resolves after `ms`, or rejects as soon as `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A monotonic clock in milliseconds; tests advance a virtual one in `sleep`. */
  now: () => number;
}

export const PRODUCTION_SETTLE: SettleTiming = {
  delaysMs: SETTLE_DELAYS_MS,
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  now: () => performance.now(),
};

export const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The offsets of a window's listings from its first: 0, then the running sum of the delays. */
export function settleOffsets(timing: SettleTiming): number[] {
  let sum = 0;
  return [0, ...timing.delaysMs.map((delay) => (sum += delay))];
}

/** The whole window, in seconds, for messages. */
export const settleSeconds = (timing: SettleTiming): string =>
  seconds(timing.delaysMs.reduce((total, delay) => total + delay, 0));
