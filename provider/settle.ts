/**
 * Utho's token list may lag behind a create or a delete. Whenever the provider draws a
 * conclusion from a token's absence (nothing was minted, the token is gone), it keeps looking
 * for this long first. Finding a token takes one listing when the list is current.
 */
export const SETTLE_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000, 4000];

export const settleSeconds = (delays: readonly number[]): string =>
  (delays.reduce((sum, delay) => sum + delay, 0) / 1000).toFixed(1);
