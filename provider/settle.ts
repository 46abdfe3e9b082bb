/**
 * Utho's token list may lag behind a create or a delete. Whenever the provider draws a
 * conclusion from a token's absence (nothing was minted, the token is gone), it keeps looking
 * for a while first: the settle window. Finding a token takes one listing when the list is
 * current.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** The production window: waits of 0.25, 0.5, 1, 2 and 4 s between six listings (7.75 s). */
export const SETTLE_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

/** A wait at least this long is reported to the user, saying what it waits for. */
export const REPORTED_WAIT_MS = 2_000;

export interface SettleTiming {
  /** The waits between listings; their number fixes how many listings a window takes. */
  delaysMs: readonly number[];
  sleep: (ms: number) => Promise<void>;
}

export const PRODUCTION_SETTLE: SettleTiming = { delaysMs: SETTLE_DELAYS_MS, sleep: (ms) => sleep(ms) };

export const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/**
 * One turn per listing: the first at once, the next after each delay. The caller returns or
 * breaks out as soon as it has its answer; running off the end means the window has passed.
 * Once the time waited passes {@link REPORTED_WAIT_MS}, `report` is told once what the wait is for.
 */
export async function* settleRounds(
  timing: SettleTiming,
  waitingFor: string,
  report: (message: string) => void,
): AsyncGenerator<void> {
  const total = timing.delaysMs.reduce((sum, delay) => sum + delay, 0);
  let waited = 0;
  let reported = false;
  yield;
  for (const delay of timing.delaysMs) {
    if (!reported && waited + delay >= REPORTED_WAIT_MS) {
      reported = true;
      report(`waiting up to ${seconds(total - waited)} s more for ${waitingFor}`);
    }
    await timing.sleep(delay);
    waited += delay;
    yield;
  }
}

/** The whole window, in seconds, for messages. */
export const settleSeconds = (timing: SettleTiming): string =>
  seconds(timing.delaysMs.reduce((sum, delay) => sum + delay, 0));
