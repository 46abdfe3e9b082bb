/** Durations as written in config, and the one clock (UTHO_TOKENS_NOW) for dates. */
import { now, parseUthoTime } from "../../provider/clock";
import { parseDuration } from "../../provider/duration";

describe("parseDuration", () => {
  it.each([
    ["90d", 90 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["30m", 30 * 60_000],
    ["45s", 45_000],
    ["2w", 14 * 86_400_000],
    ["1d12h", 36 * 3_600_000],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ms });
  });

  it.each(["", "90", "d", "1.5d", "-1d", "3mo", "1y", " 90d", "90 d", "90D"])(
    "refuses %j, saying how to write one",
    (text) => {
      const result = parseDuration(text);
      expect(result).toEqual({ problem: expect.stringContaining("is not a duration") });
    },
  );

  it("refuses a duration of zero", () => {
    expect(parseDuration("0d")).toEqual({ problem: '"0d" must be longer than zero' });
  });
});

describe("parseDuration, fine (utho:settleWindow)", () => {
  it.each([
    ["7.75s", 7_750],
    ["500ms", 500],
    ["1s250ms", 1_250],
    ["2m", 120_000],
  ])("reads %s", (text, ms) => {
    expect(parseDuration(text, { fine: true })).toEqual({ ms });
  });

  it.each(["", "7.75", "ms", "1.s", "-1s", " 1s"])("refuses %j, saying how to write one", (text) => {
    expect(parseDuration(text, { fine: true })).toEqual({
      problem: expect.stringContaining("is not a duration: write a number and a unit, ms, s"),
    });
  });

  it("leaves fractions and milliseconds out of whole durations", () => {
    expect(parseDuration("500ms")).toEqual({ problem: expect.stringContaining("is not a duration") });
    expect(parseDuration("7.75s")).toEqual({ problem: expect.stringContaining("is not a duration") });
  });
});

describe("now", () => {
  it("is the real time without UTHO_TOKENS_NOW", () => {
    const before = Date.now();
    const t = now({});
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });

  it("is the instant UTHO_TOKENS_NOW names", () => {
    expect(now({ UTHO_TOKENS_NOW: "2027-01-01T00:00:00Z" })).toBe(Date.UTC(2027, 0, 1));
    expect(now({ UTHO_TOKENS_NOW: "2027-01-01T05:30:00+05:30" })).toBe(Date.UTC(2027, 0, 1));
  });

  it.each(["tomorrow", "2027-01-01", "2027-01-01T00:00:00", "2027-13-01T00:00:00Z"])(
    "refuses %j, naming the variable",
    (value) => {
      expect(() => now({ UTHO_TOKENS_NOW: value })).toThrow(
        /^UTHO_TOKENS_NOW: ".*" is not an ISO 8601 instant/,
      );
    },
  );
});

describe("parseUthoTime", () => {
  it("reads Utho's created_at as UTC, and ISO 8601", () => {
    expect(parseUthoTime("2026-11-23 11:42:42")).toBe(Date.UTC(2026, 10, 23, 11, 42, 42));
    expect(parseUthoTime("2026-11-23T11:42:42Z")).toBe(Date.UTC(2026, 10, 23, 11, 42, 42));
  });

  it("says it cannot read anything else", () => {
    expect(parseUthoTime("last tuesday")).toBeUndefined();
  });
});
