import {
  DEFAULT_RANDOM_FAULTS,
  type RecordedRequest,
  type RunningEmulator,
  startEmulator,
} from "../../emulator";
import { FaultPlan } from "../../emulator/faults";
import { UthoInputError } from "../../sdk/errors";
import { call, createToken, errorBody, listTokens } from "./helpers";

const CREATE = { body: { name: "ci", write: "1" } };

let emulator: RunningEmulator;

beforeEach(async () => {
  emulator = await startEmulator({ retryAfterSeconds: 7, slowMs: 300 });
});

afterEach(async () => {
  await emulator.close();
});

describe("failures before the API (nothing committed)", () => {
  it.each([
    ["500", 500],
    ["503", 503],
  ] as const)("%s answers that status with Utho's error body", async (kind, status) => {
    emulator.injectFault({ kind, method: "POST", path: "/v2/api/generate" });
    const response = await call(emulator, "POST", "/api/generate", CREATE);
    expect(response.status).toBe(status);
    expect(response.json).toEqual(errorBody(expect.any(String)));
    expect(emulator.listTokens()).toEqual([]);
    expect(emulator.requests).toEqual([{ method: "POST", path: "/v2/api/generate", status, fault: kind }]);
  });

  it("429 carries Retry-After and commits nothing", async () => {
    emulator.injectFault({ kind: "429" });
    const response = await call(emulator, "POST", "/api/generate", CREATE);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(response.json).toEqual(errorBody(expect.any(String)));
    expect(emulator.listTokens()).toEqual([]);
  });

  it("reset drops the connection without an answer and commits nothing", async () => {
    emulator.injectFault({ kind: "reset" });
    await expect(call(emulator, "POST", "/api/generate", CREATE)).rejects.toThrow();
    expect(emulator.listTokens()).toEqual([]);
    expect(emulator.requests).toEqual([
      { method: "POST", path: "/v2/api/generate", status: "reset", fault: "reset" },
    ]);
  });

  it("bad-json answers 200 with an HTML page and commits nothing", async () => {
    emulator.injectFault({ kind: "bad-json" });
    const response = await call(emulator, "POST", "/api/generate", CREATE);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.json).toBeUndefined();
    expect(response.text).toContain("502 Bad Gateway");
    expect(emulator.listTokens()).toEqual([]);
  });

  it("status-error answers 200 with status error and commits nothing", async () => {
    emulator.injectFault({ kind: "status-error" });
    const response = await call(emulator, "POST", "/api/generate", CREATE);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(errorBody("Something went wrong"));
    expect(emulator.listTokens()).toEqual([]);
  });

  it("strikes before authentication, like a failing load balancer", async () => {
    emulator.injectFault({ kind: "503" });
    expect((await call(emulator, "GET", "/api", { key: null })).status).toBe(503);
    expect((await call(emulator, "GET", "/api", { key: null })).status).toBe(401);
  });
});

describe("lost-response", () => {
  it("creates the token, then drops the connection", async () => {
    emulator.injectFault({ kind: "lost-response", method: "POST" });
    await expect(call(emulator, "POST", "/api/generate", CREATE)).rejects.toThrow();
    expect(emulator.listTokens()).toEqual([expect.objectContaining({ name: "ci", scope: "write" })]);
    expect(emulator.requests).toEqual([
      { method: "POST", path: "/v2/api/generate", status: "reset", fault: "lost-response" },
    ]);
  });

  it("deletes the token, then drops the connection", async () => {
    const { id, secret } = emulator.createTokenOutOfBand("ci", "write");
    emulator.injectFault({ kind: "lost-response", method: "DELETE" });
    await expect(call(emulator, "DELETE", `/api/${id}/delete`)).rejects.toThrow();
    expect(emulator.listTokens()).toEqual([]);
    expect((await call(emulator, "GET", "/account/info", { key: secret })).status).toBe(401);
  });
});

describe("stale-list", () => {
  it("omits the newest token from one listing, as a lagging replica would", async () => {
    await createToken(emulator, "older", "1");
    await createToken(emulator, "newest", "1");
    emulator.injectFault({ kind: "stale-list" });
    expect((await listTokens(emulator)).map((token) => token.name)).toEqual(["older"]);
    expect((await listTokens(emulator)).map((token) => token.name)).toEqual(["older", "newest"]);
  });

  it("waits for a listing rather than striking another request", async () => {
    await createToken(emulator, "only", "1");
    emulator.injectFault({ kind: "stale-list" });
    expect((await call(emulator, "GET", "/account/info")).status).toBe(200);
    expect(await listTokens(emulator)).toEqual([]);
    expect(emulator.requests.at(-1)).toEqual({
      method: "GET",
      path: "/v2/api",
      status: 200,
      fault: "stale-list",
    });
  });

  it("still shows the token of the most recent delete, in its place, as a replica behind that delete would", async () => {
    await createToken(emulator, "first", "1");
    const { id } = emulator.createTokenOutOfBand("deleted", "write");
    await createToken(emulator, "third", "1");
    await createToken(emulator, "newest", "1");
    emulator.deleteTokenOutOfBand(id);
    emulator.injectFault({ kind: "stale-list" });
    expect((await listTokens(emulator)).map((token) => token.name)).toEqual(["first", "deleted", "third"]);
    expect((await listTokens(emulator)).map((token) => token.name)).toEqual(["first", "third", "newest"]);
  });

  it("omits nothing once the newest token is gone", async () => {
    await createToken(emulator, "older", "1");
    const { id } = emulator.createTokenOutOfBand("newest", "write");
    emulator.deleteTokenOutOfBand(id);
    emulator.injectFault({ kind: "stale-list" });
    expect((await listTokens(emulator)).map((token) => token.name)).toEqual(["older"]);
  });
});

describe("slow", () => {
  /** Resolves with the first request the emulator records: when its outcome is decided. */
  function firstRecord(): {
    onRequest: (request: RecordedRequest) => void;
    recorded: Promise<RecordedRequest>;
  } {
    let onRequest: (request: RecordedRequest) => void = () => undefined;
    const recorded = new Promise<RecordedRequest>((resolve) => {
      onRequest = resolve;
    });
    return { onRequest: (request) => onRequest(request), recorded };
  }

  it("does not commit when the client times out first, and gives up on the request at once", async () => {
    // A stall far longer than any test: the request is only recorded if the server notices the
    // hang-up, rather than waiting out the stall.
    const { onRequest, recorded } = firstRecord();
    const stalled = await startEmulator({ slowMs: 600_000, onRequest });
    try {
      stalled.injectFault({ kind: "slow" });
      await expect(
        call(stalled, "POST", "/api/generate", { ...CREATE, signal: AbortSignal.timeout(50) }),
      ).rejects.toThrow();
      expect(await recorded).toEqual({
        method: "POST",
        path: "/v2/api/generate",
        status: "reset",
        fault: "slow",
      });
      expect(stalled.listTokens()).toEqual([]);
    } finally {
      await stalled.close();
    }
  });

  it("answers normally, late, when the client waits", async () => {
    emulator.injectFault({ kind: "slow" });
    const started = Date.now();
    const response = await call(emulator, "POST", "/api/generate", CREATE);
    // A lower bound only: the stall happened.
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(200);
    expect(emulator.requests).toEqual([
      { method: "POST", path: "/v2/api/generate", status: 200, fault: "slow" },
    ]);
    expect(emulator.listTokens()).toHaveLength(1);
  });

  it("does not hold up close() while a slow fault is pending", async () => {
    // The random draw happens once the request has been read, just before the stall begins, so
    // `drawn` says the request is inside the slow fault.
    let drawn: () => void = () => undefined;
    const inStall = new Promise<void>((resolve) => {
      drawn = resolve;
    });
    const { onRequest, recorded } = firstRecord();
    const stalled = await startEmulator({
      slowMs: 600_000,
      faultRate: 1,
      faults: ["slow"],
      random: () => {
        drawn();
        return 0;
      },
      onRequest,
    });
    try {
      const settled = call(stalled, "GET", "/api").then(
        () => "answered",
        () => "dropped",
      );
      await inStall;
      // Resolving at all (within the test's timeout) is the point: the stall lasts ten minutes.
      await expect(stalled.close()).resolves.toBeUndefined();
      expect(await settled).toBe("dropped");
      expect(await recorded).toEqual({ method: "GET", path: "/v2/api", status: "reset", fault: "slow" });
    } finally {
      await stalled.close();
    }
  });
});

describe("injectFault rules", () => {
  it("match by method and exact path or pattern", async () => {
    emulator.injectFault({ kind: "500", method: "delete" });
    emulator.injectFault({ kind: "503", path: /^\/v2\/account\// });
    expect((await call(emulator, "GET", "/api")).status).toBe(200);
    expect((await call(emulator, "GET", "/account/info")).status).toBe(503);
    expect((await call(emulator, "DELETE", "/api/1/delete")).status).toBe(500);
    expect((await call(emulator, "DELETE", "/api/1/delete")).status).toBe(404);
  });

  it("apply `times` times, in the order injected", async () => {
    emulator.injectFault({ kind: "500", path: "/v2/api", times: 2 });
    emulator.injectFault({ kind: "503", path: "/v2/api" });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await call(emulator, "GET", "/api")).status);
    expect(statuses).toEqual([500, 500, 503, 200]);
  });

  it("can last forever and be cleared", async () => {
    emulator.injectFault({ kind: "503", times: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 3; i += 1) expect((await call(emulator, "GET", "/api")).status).toBe(503);
    emulator.clearFaults();
    expect((await call(emulator, "GET", "/api")).status).toBe(200);
  });

  it.each([
    [
      "an unknown kind",
      { kind: "teapot" as "500" },
      "kind",
      /^Invalid kind: must be a fault kind \(500, .*\); "teapot" is not one$/,
    ],
    [
      "a zero count",
      { kind: "500", times: 0 } as const,
      "times",
      /^Invalid times: must be a positive integer or Infinity/,
    ],
    ["a fractional count", { kind: "500", times: 1.5 } as const, "times", /1\.5 is not/],
    ["a NaN count", { kind: "500", times: Number.NaN } as const, "times", /NaN is not/],
  ])("reject %s with a UthoInputError naming the field", async (_case, rule, field, message) => {
    let thrown: unknown;
    try {
      emulator.injectFault(rule);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UthoInputError);
    expect(thrown).toMatchObject({
      code: "UTHO_INVALID_INPUT",
      field,
      message: expect.stringMatching(message),
    });
    // Nothing was injected.
    expect((await call(emulator, "GET", "/api")).status).toBe(200);
  });
});

describe("random faults", () => {
  function scripted(values: number[]): () => number {
    return () => {
      const next = values.shift();
      if (next === undefined) throw new Error("RNG exhausted");
      return next;
    };
  }

  it("draw once per request for the rate and once more for the kind", async () => {
    // hit → kind 0 (500), miss, hit → kind 1 (503)
    const random = scripted([0.4, 0.0, 0.6, 0.4, 0.9]);
    const flaky = await startEmulator({ faultRate: 0.5, faults: ["500", "503"], random });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await call(flaky, "GET", "/api")).status);
      expect(statuses).toEqual([500, 200, 503]);
      expect(flaky.requests.map((r) => r.fault)).toEqual(["500", undefined, "503"]);
    } finally {
      await flaky.close();
    }
  });

  it("yield to injected rules", async () => {
    const flaky = await startEmulator({ faultRate: 1, faults: ["503"], random: () => 0 });
    try {
      flaky.injectFault({ kind: "429" });
      expect((await call(flaky, "GET", "/api")).status).toBe(429);
      expect((await call(flaky, "GET", "/api")).status).toBe(503);
    } finally {
      await flaky.close();
    }
  });

  it("never draw at rate 0", async () => {
    const calm = await startEmulator({ random: scripted([]) });
    try {
      expect((await call(calm, "GET", "/api")).status).toBe(200);
    } finally {
      await calm.close();
    }
  });

  it("default to every kind but slow and stale-list", () => {
    expect([...DEFAULT_RANDOM_FAULTS].sort()).toEqual(
      ["429", "500", "503", "bad-json", "lost-response", "reset", "status-error"].sort(),
    );
  });

  it("draw stale-list only for listings", () => {
    const plan = new FaultPlan({ rate: 1, kinds: ["stale-list"], random: () => 0 });
    expect(plan.pick("POST", "/v2/api/generate")).toBeUndefined();
    expect(plan.pick("GET", "/v2/account/info")).toBeUndefined();
    expect(plan.pick("GET", "/v2/api")).toBe("stale-list");
  });

  it("stay within the configured kinds at any rate", () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const plan = new FaultPlan({ rate: 0.3, kinds: ["500", "reset"], random });
    const picks = Array.from({ length: 1000 }, () => plan.pick("GET", "/v2/api"));
    const hits = picks.filter((kind) => kind !== undefined);
    expect(new Set(hits)).toEqual(new Set(["500", "reset"]));
    expect(hits.length).toBeGreaterThan(200);
    expect(hits.length).toBeLessThan(400);
  });
});
