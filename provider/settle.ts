/**
 * Utho's token list may lag behind a create or a delete. Whenever the provider draws a
 * conclusion from a token's absence (nothing was minted, the token is gone), it keeps looking
 * for this long first. Finding a token takes one listing when the list is current.
 */
import { setTimeout as sleep } from "node:timers/promises";

export const SETTLE_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

/**
 * One turn per listing: the first at once, the next after each delay. The caller returns or
 * breaks out as soon as it has its answer; running off the end means the window has passed.
 */
export async function* settleRounds(delays: readonly number[]): AsyncGenerator<void> {
  for (const delay of [0, ...delays]) {
    if (delay > 0) await sleep(delay);
    yield;
  }
}

export const settleSeconds = (delays: readonly number[]): string =>
  (delays.reduce((sum, delay) => sum + delay, 0) / 1000).toFixed(1);
