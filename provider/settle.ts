/**
 * Utho's token list may lag behind a create or a delete, by less than the settle window
 * (`utho:settleWindow`). Whenever the provider draws a conclusion from a token's absence (nothing
 * was minted, the token is gone), it asks a listing requested a window after the token must have
 * existed (`settled-listings.ts`); where a list lagging at random could pair a secret with another's
 * token or leave a stray behind, a listing at each of the window's offsets (waits doubling from
 * 1/31 of it). Utho may also take a while to accept a new secret: verification asks again after
 * each of those waits. Every wait of the provider is on this clock.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseDuration } from "./duration";

/** The default window (`utho:settleWindow`): 7.75 s. */
export const DEFAULT_SETTLE_WINDOW_MS = 7_750;

/** The longest `utho:settleWindow` taken: a longer one would hold every absence for minutes. */
export const MAX_SETTLE_WINDOW_MS = 10 * 60_000;

/** A window's waits between its listings or verification attempts: doubling from 1/31 of it (0.25, 0.5, 1, 2, 4 s by default). */
export const settleDelays = (windowMs: number): number[] =>
  [1, 2, 4, 8, 16].map((share) => (windowMs * share) / 31);

/** The production window's waits. */
export const SETTLE_DELAYS_MS: readonly number[] = settleDelays(DEFAULT_SETTLE_WINDOW_MS);

/** A wait at least this long is reported to the user, saying what it waits for. */
export const REPORTED_WAIT_MS = 2_000;

export interface SettleTiming {
  /** The waits between a window's listings or verification attempts; they add up to the window. */
  delaysMs: readonly number[];
  /** Resolves after `ms`, or rejects as soon as `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A monotonic clock in milliseconds; tests advance a virtual one in `sleep`. */
  now: () => number;
  /** @default {@link GATHER_MS} */
  gatherMs?: number;
}

/** Real time, with a window of `windowMs`. */
export const realSettle = (windowMs: number): SettleTiming => ({
  delaysMs: settleDelays(windowMs),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  now: () => performance.now(),
});

export const PRODUCTION_SETTLE: SettleTiming = realSettle(DEFAULT_SETTLE_WINDOW_MS);

/** `utho:settleWindow` in milliseconds, or a sentence saying what is wrong with it. */
export function parseSettleWindow(text: string): { ms: number } | { problem: string } {
  const parsed = parseDuration(text, { fine: true });
  if ("ms" in parsed && parsed.ms > MAX_SETTLE_WINDOW_MS) {
    return { problem: `"${text}" must be at most 10 minutes (10m)` };
  }
  return parsed;
}

export const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The whole window in milliseconds: the sum of its waits. */
export const windowMs = (timing: SettleTiming): number =>
  timing.delaysMs.reduce((total, delay) => total + delay, 0);

/** The whole window, in seconds, for messages. */
export const settleSeconds = (timing: SettleTiming): string => seconds(windowMs(timing));

/**
 * The shortest gather: how long a due listing waits for more callers to share it, unless as many
 * as the engine runs at once are already waiting (`listings.ts`; it waits longer when callers
 * arrive far apart). Long enough for the engine to start a wave's operations, short next to a
 * round trip to a distant API plus the engine's own work per step.
 */
export const GATHER_MS = 150;

export const gatherMs = (timing: SettleTiming): number => timing.gatherMs ?? GATHER_MS;
