/**
 * When to retry and how long to wait. Kept apart from the transport so each rule is readable
 * and testable on its own.
 */

import { setTimeout as sleep } from "node:timers/promises";
import { UthoConfigError } from "./errors";

export interface RetryDelays {
  /** First backoff; doubled per attempt. @default 500 */
  baseMs: number;
  /** Ceiling for the exponential backoff. @default 8000 */
  maxMs: number;
  /** Ceiling for a server's Retry-After; a longer hint is clamped to it. @default 60000 */
  maxRetryAfterMs: number;
  /**
   * How long one request may wait out 429 answers, over and above `maxRetries`: a 429 means
   * the rate limiter turned the request away untouched, so a storm of them should slow a run,
   * not fail it. A Retry-After of 0 counts as none: the backoff is waited. @default 120000
   */
  rateLimitBudgetMs: number;
  /** Random source for jitter, injectable for deterministic tests. */
  random: () => number;
  /** How a wait is made; tests inject one that records the delay and returns at once. */
  sleep: (ms: number) => Promise<void>;
}

// Frozen: every client copies it, and none may change another's defaults.
export const DEFAULT_RETRY_DELAYS: Readonly<RetryDelays> = Object.freeze({
  baseMs: 500,
  maxMs: 8_000,
  maxRetryAfterMs: 60_000,
  rateLimitBudgetMs: 120_000,
  random: Math.random,
  sleep: (ms: number) => sleep(ms),
});

/**
 * The delays with the one rule a loop depends on: a backoff that starts at 0 ms never grows,
 * and a storm of 429s would then be retried without a pause.
 */
export function checkedDelays(delays: RetryDelays): RetryDelays {
  if (!(delays.baseMs >= 1)) {
    throw new UthoConfigError(`Invalid retryDelays.baseMs: must be at least 1, got ${delays.baseMs}`);
  }
  return delays;
}

/** What went wrong with one attempt, as far as retrying is concerned. */
export type AttemptFailure =
  | { kind: "status"; status: number }
  /** `sent`: the request left this process, so the server may have acted on it. */
  | { kind: "connection"; sent: boolean }
  /**
   * A 2xx whose body is not JSON (typically a gateway's HTML page), says it failed (`status`
   * not "success") or has an unexpected shape: the server may have acted.
   */
  | { kind: "malformed" };

/**
 * Whether an attempt may be repeated. Utho has no idempotency key, so a POST (which mints a
 * new secret each time) is only repeated when the server certainly did not act on it.
 */
export function shouldRetry(method: string, failure: AttemptFailure): boolean {
  const idempotent = method === "GET" || method === "DELETE";
  // A garbled success may hide a committed POST; a GET or DELETE can simply ask again.
  if (failure.kind === "malformed") return idempotent;
  if (failure.kind === "connection") {
    // Never reached the server (refused, DNS): safe for any method.
    if (!failure.sent) return true;
    // Dropped or timed out after sending: only an idempotent request may be repeated.
    return idempotent;
  }
  const { status } = failure;
  // 429: the rate limiter rejected the request before it was processed; safe for any method.
  if (status === 429) return true;
  // 408 and 5xx: the server may have done the work, so repeat only idempotent requests.
  if (status === 408 || status >= 500) return idempotent;
  // Any other status is a definite answer.
  return false;
}

/**
 * Parses Retry-After (delta-seconds or HTTP-date) into milliseconds, clamped to
 * [0, maxRetryAfterMs]. Returns undefined for a missing or unparseable header.
 */
export function parseRetryAfter(
  header: string | undefined,
  maxRetryAfterMs: number,
  now = Date.now(),
): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const trimmed = header.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    // HTTP dates always spell out a day or month name; this also refuses "-5" and the like.
    if (!/[A-Za-z]/.test(trimmed)) return undefined;
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  }
  return Math.min(Math.max(ms, 0), maxRetryAfterMs);
}

/** Delay before retry number `retry` (1-based): Retry-After if given, else capped backoff with jitter. */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  delays: Pick<RetryDelays, "baseMs" | "maxMs" | "random">,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exponential = Math.min(delays.baseMs * 2 ** (retry - 1), delays.maxMs);
  // "Equal jitter": half fixed, half random, so concurrent clients spread out but never retry instantly.
  return exponential / 2 + (exponential / 2) * delays.random();
}
