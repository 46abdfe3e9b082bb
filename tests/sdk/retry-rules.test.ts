import { parseRetryAfter, retryDelayMs, shouldRetry } from "../../sdk/retry";

describe("shouldRetry", () => {
  const table: [string, Parameters<typeof shouldRetry>[1], boolean, boolean][] = [
    // failure, GET/DELETE retried?, POST retried?
    ["429", { kind: "status", status: 429 }, true, true],
    ["500", { kind: "status", status: 500 }, true, false],
    ["503", { kind: "status", status: 503 }, true, false],
    ["408", { kind: "status", status: 408 }, true, false],
    ["400", { kind: "status", status: 400 }, false, false],
    ["401", { kind: "status", status: 401 }, false, false],
    ["404", { kind: "status", status: 404 }, false, false],
    ["connection refused", { kind: "connection", sent: false }, true, true],
    ["connection lost after sending", { kind: "connection", sent: true }, true, false],
    ["2xx body that is not JSON", { kind: "malformed" }, true, false],
  ];
  it.each(table)("%s", (_label, failure, idempotent, post) => {
    expect(shouldRetry("GET", failure)).toBe(idempotent);
    expect(shouldRetry("DELETE", failure)).toBe(idempotent);
    expect(shouldRetry("POST", failure)).toBe(post);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-23T10:00:00Z");
  it("reads delta-seconds and HTTP dates, clamped to the bound", () => {
    expect(parseRetryAfter("2", 60_000, now)).toBe(2_000);
    expect(parseRetryAfter("0.5", 60_000, now)).toBe(500);
    expect(parseRetryAfter("Mon, 23 Nov 2026 10:00:03 GMT", 60_000, now)).toBe(3_000);
    expect(parseRetryAfter("3600", 60_000, now)).toBe(60_000);
    expect(parseRetryAfter("Mon, 23 Nov 2026 09:00:00 GMT", 60_000, now)).toBe(0);
  });
  it("ignores a missing or unreadable header", () => {
    expect(parseRetryAfter(undefined, 60_000, now)).toBeUndefined();
    expect(parseRetryAfter("", 60_000, now)).toBeUndefined();
    expect(parseRetryAfter("soon", 60_000, now)).toBeUndefined();
    expect(parseRetryAfter("-5", 60_000, now)).toBeUndefined();
  });
});

describe("retryDelayMs", () => {
  const delays = { baseMs: 500, maxMs: 8_000, maxRetryAfterMs: 60_000 };
  it("backs off exponentially with equal jitter, capped", () => {
    const low = { ...delays, random: () => 0 };
    const high = { ...delays, random: () => 1 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, undefined, low))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, undefined, high))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000,
    ]);
  });
  it("prefers the server's Retry-After", () => {
    expect(retryDelayMs(1, 1_234, { ...delays, random: () => 0 })).toBe(1_234);
  });
});
