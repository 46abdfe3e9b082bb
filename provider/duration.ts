/**
 * Durations as people write them in config: a whole number and a unit, or several in a row
 * (`"90d"`, `"12h"`, `"30m"`, `"1d12h"`). Units: w (weeks), d (days), h, m, s. Months and years
 * are refused on purpose: their length varies.
 */
const UNIT_MS: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};

/** A century: beyond it a schedule means nothing, and instants overflow JavaScript's dates. */
const MAX_MS = 36_500 * 86_400_000;

const PART = /(\d+)([wdhms])/g;
const WHOLE = /^(\d+[wdhms])+$/;

/** The duration in milliseconds, or a sentence saying what is wrong with it. */
export function parseDuration(text: string): { ms: number } | { problem: string } {
  if (!WHOLE.test(text)) {
    return {
      problem: `"${text}" is not a duration: write a whole number and a unit, w, d, h, m or s (e.g. "90d", "12h", "1d12h")`,
    };
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit ?? ""] ?? 0);
  if (ms <= 0) return { problem: `"${text}" must be longer than zero` };
  if (ms > MAX_MS) return { problem: `"${text}" must be at most 100 years (36500d)` };
  return { ms };
}
