/**
 * Durations as people write them in config: a whole number and a unit, or several in a row
 * (`"90d"`, `"12h"`, `"30m"`, `"1d12h"`). Units: w (weeks), d (days), h, m, s. Months and years
 * are refused on purpose: their length varies. Short waits (`utho:settleWindow`) are written
 * finer: there a number may have a fraction and ms is a unit too (`"7.75s"`, `"500ms"`).
 */
const UNIT_MS: Record<string, number> = {
  w: 7 * 86_400_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
};

/** A century: beyond it a schedule means nothing, and instants overflow JavaScript's dates. */
const MAX_MS = 36_500 * 86_400_000;

const PART = /(\d+(?:\.\d+)?)(ms|[wdhms])/g;
const WHOLE = /^(\d+[wdhms])+$/;
const FINE = /^(\d+(\.\d+)?(ms|[wdhms]))+$/;

/**
 * The duration in milliseconds, or a sentence saying what is wrong with it. `fine` accepts
 * fractions and milliseconds, for waits measured in seconds.
 */
export function parseDuration(
  text: string,
  options: { fine?: boolean } = {},
): { ms: number } | { problem: string } {
  if (!(options.fine ? FINE : WHOLE).test(text)) {
    const how = options.fine
      ? 'a number and a unit, ms, s, m, h, d or w (e.g. "7.75s", "500ms")'
      : 'a whole number and a unit, w, d, h, m or s (e.g. "90d", "12h", "1d12h")';
    return { problem: `"${text}" is not a duration: write ${how}` };
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit ?? ""] ?? 0);
  ms = Math.round(ms);
  if (ms <= 0) return { problem: `"${text}" must be longer than zero` };
  if (ms > MAX_MS) return { problem: `"${text}" must be at most 100 years (36500d)` };
  return { ms };
}
